; Highlights for the stance annotation markup (doc/format.md). Standard capture names.

(comment) @comment

(record
  kind: (keyword) @keyword)

; The first value of a record names it: an ID, a target, a label...
(record
  kind: (keyword)
  .
  value: (_) @label)

(attribute
  key: (key) @property)

(string) @string

(escape_sequence) @string.escape

(text
  "|" @punctuation.special)

(text
  content: (text_content) @string)

; Spans (120-245) and numbers (0.75)
((word) @number
  (#match? @number "^[0-9][0-9]*-[0-9][0-9]*$"))

((word) @number
  (#match? @number "^[0-9][0-9.]*$"))

; Hashes and colors
((word) @constant
  (#match? @constant "^sha256:"))

((word) @constant
  (#match? @constant "^#[0-9a-fA-F]*$"))

(ERROR) @error
