"""Stage 1: text in. Reading spec files (:mod:`.read`), YAML composed into positioned nodes (:mod:`.yamltree`), and strict scalar values (:mod:`.values`)."""
