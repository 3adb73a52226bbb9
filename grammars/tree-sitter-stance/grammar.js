/**
 * Tree-sitter grammar for stance.nvim's annotation markup (doc/format.md).
 *
 * The language is line-oriented. A record starts with a keyword at column 0 and owns the
 * indented attribute lines that follow it; a blank line, a column-0 comment or the next
 * keyword ends it. Lines starting with `|` (indented) continue the text of the attribute
 * above them. Whitespace is not an extra: indentation is what tells a record's header from
 * its attributes, so every space is spelled out. Trailing spaces belong to the newline.
 */
module.exports = grammar({
  name: 'stance',

  extras: _ => [],

  externals: $ => [
    $._eof_newline, // a line that ends the file without "\n"
    $._error_sentinel, // never valid: tells the scanner it runs in error recovery
  ],

  rules: {
    file: $ => repeat(choice(
      $._blank,
      seq(optional($._indent), $.comment, $._end),
      seq($._indent, $._eof_newline), // spaces on a last line without "\n"
      $.record,
    )),

    record: $ => prec.right(seq(
      field('kind', $.keyword),
      repeat(seq($._ws, field('value', $._value))),
      $._end,
      repeat(choice(
        $.attribute,
        $.text,
        seq($._indent, $.comment, $._end),
        seq($._indent, $._eof_newline),
      )),
    )),

    attribute: $ => seq(
      $._indent,
      field('key', $.key),
      repeat(seq($._ws, field('value', $._value))),
      $._end,
    ),

    // `| free text to the end of the line`, continuing the attribute above. Trailing
    // spaces are not part of the text (they belong to the end of the line).
    text: $ => seq($._indent, '|', optional(field('content', $.text_content)), $._end),
    text_content: _ => token.immediate(/[^\r\n]*[^ \t\r\n]/),

    keyword: _ => /[a-z][a-z0-9_-]*/,
    key: _ => /[a-z][a-z0-9_-]*/,

    _value: $ => choice($.string, $.word),
    word: _ => /[^ \t\r\n"]+/,
    string: $ => seq(
      '"',
      repeat(choice(token.immediate(prec(1, /[^"\\\r\n]+/)), $.escape_sequence)),
      token.immediate('"'),
    ),
    escape_sequence: _ => token.immediate(seq('\\', choice(
      /["\\nrt]/,
      /x[0-9a-fA-F]{2}/,
      /u\{[0-9a-fA-F]{1,6}\}/,
    ))),

    comment: _ => /#[^\r\n]*/,

    _ws: _ => /[ \t]+/,
    _indent: _ => /[ \t]+/,
    _blank: _ => /[ \t]*\r?\n/,
    _end: $ => choice(/[ \t]*\r?\n/, seq(optional(/[ \t]+/), $._eof_newline)),
  },
});
