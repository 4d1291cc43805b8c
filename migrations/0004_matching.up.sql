-- 0004_matching (up): matching.
--   matches, compatibility_insights, match_attributes: the seed's Matching Schema, verbatim.
--   user_embeddings: the seed's ERD entity "UserEmbedding" (no SQL in the seed), which also
--     holds the seed's MongoDB "User Embedding Collection".
--   user_vectors: the seed's "Vector Database Schema" document, as a jsonb table.
--   compatibility_insight_documents: the seed's MongoDB "Compatibility Insights Collection",
--     as a jsonb table.

-- Match Table
CREATE TABLE matches (
    match_id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    user_id_1 UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    user_id_2 UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    compatibility_score FLOAT NOT NULL,
    status VARCHAR(50) NOT NULL DEFAULT 'pending',
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    user_1_liked BOOLEAN DEFAULT FALSE,
    user_2_liked BOOLEAN DEFAULT FALSE,
    
    CONSTRAINT unique_user_pair UNIQUE (user_id_1, user_id_2),
    CONSTRAINT different_users CHECK (user_id_1 <> user_id_2),
    CONSTRAINT valid_match_status CHECK (status IN ('pending', 'active', 'rejected', 'expired'))
);

CREATE INDEX idx_matches_user_id_1 ON matches(user_id_1);
CREATE INDEX idx_matches_user_id_2 ON matches(user_id_2);
CREATE INDEX idx_matches_score ON matches(compatibility_score DESC);
CREATE INDEX idx_matches_status ON matches(status);
CREATE INDEX idx_matches_created_at ON matches(created_at);

-- Compatibility Insight Table
CREATE TABLE compatibility_insights (
    insight_id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    match_id UUID NOT NULL REFERENCES matches(match_id) ON DELETE CASCADE,
    highlights JSONB NOT NULL,
    detailed_analysis TEXT,
    is_premium BOOLEAN DEFAULT FALSE,
    
    CONSTRAINT unique_match_insight UNIQUE (match_id)
);

CREATE INDEX idx_insights_match_id ON compatibility_insights(match_id);

-- Match Attribute Table
CREATE TABLE match_attributes (
    attribute_id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    match_id UUID NOT NULL REFERENCES matches(match_id) ON DELETE CASCADE,
    attribute_name VARCHAR(100) NOT NULL,
    score FLOAT NOT NULL,
    description TEXT,
    
    CONSTRAINT unique_match_attribute UNIQUE (match_id, attribute_name)
);

CREATE INDEX idx_match_attributes_match_id ON match_attributes(match_id);

-- User Embedding Table (from the ERD; the seed has no SQL for it).
CREATE TABLE user_embeddings (
    embedding_id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    user_id UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    -- REAL[], not the ERD's vector: pgvector is not packaged here; the ANN index is built
    -- in-process from these arrays. Non-empty, one-dimensional, no NULL components.
    embedding_vector REAL[] NOT NULL,
    -- Model, version, dimensions, and the collection's keyTraits/keyValues.
    metadata JSONB NOT NULL DEFAULT '{}',
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),

    -- One current embedding per user: a recomputation replaces the row (the ERD's 1:1 with
    -- the questionnaire response), so the ANN index has exactly one point per user.
    CONSTRAINT unique_user_embedding UNIQUE (user_id),
    CONSTRAINT valid_embedding_vector CHECK (
        cardinality(embedding_vector) > 0
        AND array_ndims(embedding_vector) = 1
        AND array_position(embedding_vector, NULL) IS NULL
    ),
    CONSTRAINT valid_embedding_metadata CHECK (jsonb_typeof(metadata) = 'object')
);

-- Vector Database Schema document (profileVector, personalityTraits, relationshipValues),
-- one per user, as a jsonb table.
CREATE TABLE user_vectors (
    user_id UUID PRIMARY KEY REFERENCES users(user_id) ON DELETE CASCADE,
    schema_version INT NOT NULL DEFAULT 1,
    doc JSONB NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),

    CONSTRAINT valid_user_vectors_schema_version CHECK (schema_version >= 1),
    CONSTRAINT valid_user_vectors_doc CHECK (jsonb_typeof(doc) = 'object')
);

-- The in-process ANN index refreshes incrementally: rows updated since its last build.
CREATE INDEX idx_user_vectors_updated_at ON user_vectors(updated_at);

-- Compatibility Insights Collection, as a jsonb table: one document per match
-- (insights, compatibilityScore, aiModel, version).
CREATE TABLE compatibility_insight_documents (
    document_id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    match_id UUID NOT NULL REFERENCES matches(match_id) ON DELETE CASCADE,
    user_id_1 UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    user_id_2 UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    schema_version INT NOT NULL DEFAULT 1,
    doc JSONB NOT NULL,
    generated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),

    CONSTRAINT unique_match_insight_document UNIQUE (match_id),
    CONSTRAINT valid_insight_document_schema_version CHECK (schema_version >= 1),
    CONSTRAINT valid_insight_document_doc CHECK (jsonb_typeof(doc) = 'object')
);

-- Match discovery fetches the insights of a user's matches, from either side of the pair.
CREATE INDEX idx_insight_documents_user_id_1 ON compatibility_insight_documents(user_id_1);
CREATE INDEX idx_insight_documents_user_id_2 ON compatibility_insight_documents(user_id_2);
