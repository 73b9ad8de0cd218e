"""Stage 3: Spec -> Graph. Entries (:mod:`.entries`), work bounded before expanding (:mod:`.bounds`), and the builder that resolves names, merges, blocks and repeats (:mod:`.build`)."""
