; A record folds under its first line.
(record) @fold
