#pragma once
// The seed's questionnaire response document (responses[], openEndedResponses[], progress,
// completedAt, metadata), rebuilt from a user's current answers. One builder for the
// Questionnaire Engine and the demo seeder, so both write the same shape.

#include <string>

#include "core/json.hpp"
#include "questionnaire/bank.hpp"
#include "questionnaire/view.hpp"

namespace pm::questionnaire {

// `doc` is the stored document (or an empty object): completedAt and metadata.startedAt it
// already has are kept; metadata.deviceType is set when `device_type` is not empty.
Json response_document(const Bank& bank, const View& view, Json doc, const std::string& user_id,
                       const std::string& device_type);

}  // namespace pm::questionnaire
