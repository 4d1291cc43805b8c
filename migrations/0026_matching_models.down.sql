-- 0026_matching_models (down): undoes 0026_matching_models.up.sql (the stored models are lost;
-- serving ranks by the questionnaire again).
DROP TABLE matching_models;
