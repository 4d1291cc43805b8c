-- 0057_location_to_the_grid (up): a location is kept only to the 0.01 degree grid distances are
-- measured on (~1 km; profiles/model.cpp rounds what is sent): the points stored to the metre
-- before are rounded the same way, so no session reads back where someone lives exactly
-- (docs/security.md). The rows are the system's: said as such, as a migration that touches rows must.
SELECT set_config('pm.system', 'on', true);
UPDATE users SET location_point = ST_SnapToGrid(location_point::geometry, 0.01)::geography
WHERE location_point IS NOT NULL
  AND NOT ST_Equals(location_point::geometry, ST_SnapToGrid(location_point::geometry, 0.01));
SELECT set_config('pm.system', 'off', true);
