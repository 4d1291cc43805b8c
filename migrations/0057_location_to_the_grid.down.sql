-- 0057_location_to_the_grid (down): nothing to undo; the metres rounded away are not kept anywhere.
SELECT 1;
