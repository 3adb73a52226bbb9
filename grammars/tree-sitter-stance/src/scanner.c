/*
 * External scanner: the only token it makes is the end of a last line that has no "\n",
 * so that such a line parses like any other. Zero width, at end of input only, and never
 * in error recovery (where every symbol is valid) so it cannot repeat forever.
 */
#include <tree_sitter/parser.h>

enum { EOF_NEWLINE, ERROR_SENTINEL };

void *tree_sitter_stance_external_scanner_create(void) { return 0; }
void tree_sitter_stance_external_scanner_destroy(void *payload) { (void)payload; }
unsigned tree_sitter_stance_external_scanner_serialize(void *payload, char *buffer) {
  (void)payload;
  (void)buffer;
  return 0;
}
void tree_sitter_stance_external_scanner_deserialize(void *payload, const char *buffer,
                                                     unsigned length) {
  (void)payload;
  (void)buffer;
  (void)length;
}

bool tree_sitter_stance_external_scanner_scan(void *payload, TSLexer *lexer,
                                              const bool *valid_symbols) {
  (void)payload;
  if (valid_symbols[ERROR_SENTINEL] || !valid_symbols[EOF_NEWLINE]) return false;
  if (!lexer->eof(lexer)) return false;
  lexer->result_symbol = EOF_NEWLINE;
  lexer->mark_end(lexer);
  return true;
}
