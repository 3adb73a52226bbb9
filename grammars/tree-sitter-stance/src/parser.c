#include <tree_sitter/parser.h>

#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#endif

#define LANGUAGE_VERSION 13
#define STATE_COUNT 42
#define LARGE_STATE_COUNT 2
#define SYMBOL_COUNT 30
#define ALIAS_COUNT 0
#define TOKEN_COUNT 14
#define EXTERNAL_TOKEN_COUNT 2
#define FIELD_COUNT 4
#define MAX_ALIAS_SEQUENCE_LENGTH 4
#define PRODUCTION_ID_COUNT 8

enum {
  anon_sym_PIPE = 1,
  sym_text_content = 2,
  aux_sym_keyword_token1 = 3,
  sym_word = 4,
  anon_sym_DQUOTE = 5,
  aux_sym_string_token1 = 6,
  anon_sym_DQUOTE2 = 7,
  sym_escape_sequence = 8,
  sym_comment = 9,
  aux_sym__ws_token1 = 10,
  aux_sym__blank_token1 = 11,
  sym__eof_newline = 12,
  sym__error_sentinel = 13,
  sym_file = 14,
  sym_record = 15,
  sym_attribute = 16,
  sym_text = 17,
  sym_keyword = 18,
  sym_key = 19,
  sym__value = 20,
  sym_string = 21,
  sym__ws = 22,
  sym__indent = 23,
  sym__blank = 24,
  sym__end = 25,
  aux_sym_file_repeat1 = 26,
  aux_sym_record_repeat1 = 27,
  aux_sym_record_repeat2 = 28,
  aux_sym_string_repeat1 = 29,
};

static const char * const ts_symbol_names[] = {
  [ts_builtin_sym_end] = "end",
  [anon_sym_PIPE] = "|",
  [sym_text_content] = "text_content",
  [aux_sym_keyword_token1] = "keyword_token1",
  [sym_word] = "word",
  [anon_sym_DQUOTE] = "\"",
  [aux_sym_string_token1] = "string_token1",
  [anon_sym_DQUOTE2] = "\"",
  [sym_escape_sequence] = "escape_sequence",
  [sym_comment] = "comment",
  [aux_sym__ws_token1] = "_ws_token1",
  [aux_sym__blank_token1] = "_blank_token1",
  [sym__eof_newline] = "_eof_newline",
  [sym__error_sentinel] = "_error_sentinel",
  [sym_file] = "file",
  [sym_record] = "record",
  [sym_attribute] = "attribute",
  [sym_text] = "text",
  [sym_keyword] = "keyword",
  [sym_key] = "key",
  [sym__value] = "_value",
  [sym_string] = "string",
  [sym__ws] = "_ws",
  [sym__indent] = "_indent",
  [sym__blank] = "_blank",
  [sym__end] = "_end",
  [aux_sym_file_repeat1] = "file_repeat1",
  [aux_sym_record_repeat1] = "record_repeat1",
  [aux_sym_record_repeat2] = "record_repeat2",
  [aux_sym_string_repeat1] = "string_repeat1",
};

static const TSSymbol ts_symbol_map[] = {
  [ts_builtin_sym_end] = ts_builtin_sym_end,
  [anon_sym_PIPE] = anon_sym_PIPE,
  [sym_text_content] = sym_text_content,
  [aux_sym_keyword_token1] = aux_sym_keyword_token1,
  [sym_word] = sym_word,
  [anon_sym_DQUOTE] = anon_sym_DQUOTE,
  [aux_sym_string_token1] = aux_sym_string_token1,
  [anon_sym_DQUOTE2] = anon_sym_DQUOTE,
  [sym_escape_sequence] = sym_escape_sequence,
  [sym_comment] = sym_comment,
  [aux_sym__ws_token1] = aux_sym__ws_token1,
  [aux_sym__blank_token1] = aux_sym__blank_token1,
  [sym__eof_newline] = sym__eof_newline,
  [sym__error_sentinel] = sym__error_sentinel,
  [sym_file] = sym_file,
  [sym_record] = sym_record,
  [sym_attribute] = sym_attribute,
  [sym_text] = sym_text,
  [sym_keyword] = sym_keyword,
  [sym_key] = sym_key,
  [sym__value] = sym__value,
  [sym_string] = sym_string,
  [sym__ws] = sym__ws,
  [sym__indent] = sym__indent,
  [sym__blank] = sym__blank,
  [sym__end] = sym__end,
  [aux_sym_file_repeat1] = aux_sym_file_repeat1,
  [aux_sym_record_repeat1] = aux_sym_record_repeat1,
  [aux_sym_record_repeat2] = aux_sym_record_repeat2,
  [aux_sym_string_repeat1] = aux_sym_string_repeat1,
};

static const TSSymbolMetadata ts_symbol_metadata[] = {
  [ts_builtin_sym_end] = {
    .visible = false,
    .named = true,
  },
  [anon_sym_PIPE] = {
    .visible = true,
    .named = false,
  },
  [sym_text_content] = {
    .visible = true,
    .named = true,
  },
  [aux_sym_keyword_token1] = {
    .visible = false,
    .named = false,
  },
  [sym_word] = {
    .visible = true,
    .named = true,
  },
  [anon_sym_DQUOTE] = {
    .visible = true,
    .named = false,
  },
  [aux_sym_string_token1] = {
    .visible = false,
    .named = false,
  },
  [anon_sym_DQUOTE2] = {
    .visible = true,
    .named = false,
  },
  [sym_escape_sequence] = {
    .visible = true,
    .named = true,
  },
  [sym_comment] = {
    .visible = true,
    .named = true,
  },
  [aux_sym__ws_token1] = {
    .visible = false,
    .named = false,
  },
  [aux_sym__blank_token1] = {
    .visible = false,
    .named = false,
  },
  [sym__eof_newline] = {
    .visible = false,
    .named = true,
  },
  [sym__error_sentinel] = {
    .visible = false,
    .named = true,
  },
  [sym_file] = {
    .visible = true,
    .named = true,
  },
  [sym_record] = {
    .visible = true,
    .named = true,
  },
  [sym_attribute] = {
    .visible = true,
    .named = true,
  },
  [sym_text] = {
    .visible = true,
    .named = true,
  },
  [sym_keyword] = {
    .visible = true,
    .named = true,
  },
  [sym_key] = {
    .visible = true,
    .named = true,
  },
  [sym__value] = {
    .visible = false,
    .named = true,
  },
  [sym_string] = {
    .visible = true,
    .named = true,
  },
  [sym__ws] = {
    .visible = false,
    .named = true,
  },
  [sym__indent] = {
    .visible = false,
    .named = true,
  },
  [sym__blank] = {
    .visible = false,
    .named = true,
  },
  [sym__end] = {
    .visible = false,
    .named = true,
  },
  [aux_sym_file_repeat1] = {
    .visible = false,
    .named = false,
  },
  [aux_sym_record_repeat1] = {
    .visible = false,
    .named = false,
  },
  [aux_sym_record_repeat2] = {
    .visible = false,
    .named = false,
  },
  [aux_sym_string_repeat1] = {
    .visible = false,
    .named = false,
  },
};

enum {
  field_content = 1,
  field_key = 2,
  field_kind = 3,
  field_value = 4,
};

static const char * const ts_field_names[] = {
  [0] = NULL,
  [field_content] = "content",
  [field_key] = "key",
  [field_kind] = "kind",
  [field_value] = "value",
};

static const TSFieldMapSlice ts_field_map_slices[PRODUCTION_ID_COUNT] = {
  [1] = {.index = 0, .length = 1},
  [2] = {.index = 1, .length = 1},
  [3] = {.index = 2, .length = 2},
  [4] = {.index = 4, .length = 2},
  [5] = {.index = 6, .length = 1},
  [6] = {.index = 7, .length = 1},
  [7] = {.index = 8, .length = 2},
};

static const TSFieldMapEntry ts_field_map_entries[] = {
  [0] =
    {field_kind, 0},
  [1] =
    {field_value, 1},
  [2] =
    {field_kind, 0},
    {field_value, 1, .inherited = true},
  [4] =
    {field_value, 0, .inherited = true},
    {field_value, 1, .inherited = true},
  [6] =
    {field_key, 1},
  [7] =
    {field_content, 2},
  [8] =
    {field_key, 1},
    {field_value, 2, .inherited = true},
};

static const TSSymbol ts_alias_sequences[PRODUCTION_ID_COUNT][MAX_ALIAS_SEQUENCE_LENGTH] = {
  [0] = {0},
};

static const uint16_t ts_non_terminal_alias_map[] = {
  0,
};

static bool ts_lex(TSLexer *lexer, TSStateId state) {
  START_LEXER();
  eof = lexer->eof(lexer);
  switch (state) {
    case 0:
      if (eof) ADVANCE(18);
      if (lookahead == '\n') ADVANCE(32);
      if (lookahead == '\r') ADVANCE(1);
      if (lookahead == '"') ADVANCE(27);
      if (lookahead == '#') ADVANCE(26);
      if (lookahead == '\\') ADVANCE(5);
      if (lookahead == '|') ADVANCE(26);
      if (lookahead == '\t' ||
          lookahead == ' ') ADVANCE(24);
      if (('a' <= lookahead && lookahead <= 'z')) ADVANCE(25);
      if (lookahead != 0) ADVANCE(26);
      END_STATE();
    case 1:
      if (lookahead == '\n') ADVANCE(32);
      END_STATE();
    case 2:
      if (lookahead == '\n') ADVANCE(32);
      if (lookahead == '\r') ADVANCE(1);
      if (lookahead == '\t' ||
          lookahead == ' ') ADVANCE(31);
      if (lookahead != 0) ADVANCE(20);
      END_STATE();
    case 3:
      if (lookahead == '"') ADVANCE(27);
      if (lookahead == '\\') ADVANCE(5);
      if (lookahead != 0 &&
          lookahead != '\n' &&
          lookahead != '\r') ADVANCE(26);
      END_STATE();
    case 4:
      if (lookahead == '"') ADVANCE(23);
      if (lookahead != 0 &&
          lookahead != '\t' &&
          lookahead != '\n' &&
          lookahead != '\r' &&
          lookahead != ' ') ADVANCE(22);
      END_STATE();
    case 5:
      if (lookahead == 'u') ADVANCE(6);
      if (lookahead == 'x') ADVANCE(16);
      if (lookahead == '"' ||
          lookahead == '\\' ||
          lookahead == 'n' ||
          lookahead == 'r' ||
          lookahead == 't') ADVANCE(28);
      END_STATE();
    case 6:
      if (lookahead == '{') ADVANCE(15);
      END_STATE();
    case 7:
      if (lookahead == '}') ADVANCE(28);
      END_STATE();
    case 8:
      if (lookahead == '}') ADVANCE(28);
      if (('0' <= lookahead && lookahead <= '9') ||
          ('A' <= lookahead && lookahead <= 'F') ||
          ('a' <= lookahead && lookahead <= 'f')) ADVANCE(7);
      END_STATE();
    case 9:
      if (lookahead == '}') ADVANCE(28);
      if (('0' <= lookahead && lookahead <= '9') ||
          ('A' <= lookahead && lookahead <= 'F') ||
          ('a' <= lookahead && lookahead <= 'f')) ADVANCE(8);
      END_STATE();
    case 10:
      if (lookahead == '}') ADVANCE(28);
      if (('0' <= lookahead && lookahead <= '9') ||
          ('A' <= lookahead && lookahead <= 'F') ||
          ('a' <= lookahead && lookahead <= 'f')) ADVANCE(9);
      END_STATE();
    case 11:
      if (lookahead == '}') ADVANCE(28);
      if (('0' <= lookahead && lookahead <= '9') ||
          ('A' <= lookahead && lookahead <= 'F') ||
          ('a' <= lookahead && lookahead <= 'f')) ADVANCE(10);
      END_STATE();
    case 12:
      if (lookahead == '}') ADVANCE(28);
      if (('0' <= lookahead && lookahead <= '9') ||
          ('A' <= lookahead && lookahead <= 'F') ||
          ('a' <= lookahead && lookahead <= 'f')) ADVANCE(11);
      END_STATE();
    case 13:
      if (lookahead == '\t' ||
          lookahead == ' ') ADVANCE(13);
      if (lookahead != 0 &&
          lookahead != '\n' &&
          lookahead != '\r') ADVANCE(20);
      END_STATE();
    case 14:
      if (('0' <= lookahead && lookahead <= '9') ||
          ('A' <= lookahead && lookahead <= 'F') ||
          ('a' <= lookahead && lookahead <= 'f')) ADVANCE(28);
      END_STATE();
    case 15:
      if (('0' <= lookahead && lookahead <= '9') ||
          ('A' <= lookahead && lookahead <= 'F') ||
          ('a' <= lookahead && lookahead <= 'f')) ADVANCE(12);
      END_STATE();
    case 16:
      if (('0' <= lookahead && lookahead <= '9') ||
          ('A' <= lookahead && lookahead <= 'F') ||
          ('a' <= lookahead && lookahead <= 'f')) ADVANCE(14);
      END_STATE();
    case 17:
      if (eof) ADVANCE(18);
      if (lookahead == '\n') ADVANCE(32);
      if (lookahead == '\r') ADVANCE(1);
      if (lookahead == '#') ADVANCE(29);
      if (lookahead == '|') ADVANCE(19);
      if (lookahead == '\t' ||
          lookahead == ' ') ADVANCE(30);
      if (('a' <= lookahead && lookahead <= 'z')) ADVANCE(21);
      END_STATE();
    case 18:
      ACCEPT_TOKEN(ts_builtin_sym_end);
      END_STATE();
    case 19:
      ACCEPT_TOKEN(anon_sym_PIPE);
      END_STATE();
    case 20:
      ACCEPT_TOKEN(sym_text_content);
      if (lookahead == '\t' ||
          lookahead == ' ') ADVANCE(13);
      if (lookahead != 0 &&
          lookahead != '\n' &&
          lookahead != '\r') ADVANCE(20);
      END_STATE();
    case 21:
      ACCEPT_TOKEN(aux_sym_keyword_token1);
      if (lookahead == '-' ||
          ('0' <= lookahead && lookahead <= '9') ||
          lookahead == '_' ||
          ('a' <= lookahead && lookahead <= 'z')) ADVANCE(21);
      END_STATE();
    case 22:
      ACCEPT_TOKEN(sym_word);
      if (lookahead != 0 &&
          lookahead != '\t' &&
          lookahead != '\n' &&
          lookahead != '\r' &&
          lookahead != ' ' &&
          lookahead != '"') ADVANCE(22);
      END_STATE();
    case 23:
      ACCEPT_TOKEN(anon_sym_DQUOTE);
      END_STATE();
    case 24:
      ACCEPT_TOKEN(aux_sym_string_token1);
      if (lookahead == '\t' ||
          lookahead == ' ') ADVANCE(24);
      if (lookahead != 0 &&
          lookahead != '\n' &&
          lookahead != '\r' &&
          lookahead != '"' &&
          lookahead != '\\') ADVANCE(26);
      END_STATE();
    case 25:
      ACCEPT_TOKEN(aux_sym_string_token1);
      if (lookahead == '-' ||
          ('0' <= lookahead && lookahead <= '9') ||
          lookahead == '_' ||
          ('a' <= lookahead && lookahead <= 'z')) ADVANCE(25);
      if (lookahead != 0 &&
          lookahead != '\n' &&
          lookahead != '\r' &&
          lookahead != '"' &&
          lookahead != '\\') ADVANCE(26);
      END_STATE();
    case 26:
      ACCEPT_TOKEN(aux_sym_string_token1);
      if (lookahead != 0 &&
          lookahead != '\n' &&
          lookahead != '\r' &&
          lookahead != '"' &&
          lookahead != '\\') ADVANCE(26);
      END_STATE();
    case 27:
      ACCEPT_TOKEN(anon_sym_DQUOTE2);
      END_STATE();
    case 28:
      ACCEPT_TOKEN(sym_escape_sequence);
      END_STATE();
    case 29:
      ACCEPT_TOKEN(sym_comment);
      if (lookahead != 0 &&
          lookahead != '\n' &&
          lookahead != '\r') ADVANCE(29);
      END_STATE();
    case 30:
      ACCEPT_TOKEN(aux_sym__ws_token1);
      if (lookahead == '\n') ADVANCE(32);
      if (lookahead == '\r') ADVANCE(1);
      if (lookahead == '\t' ||
          lookahead == ' ') ADVANCE(30);
      END_STATE();
    case 31:
      ACCEPT_TOKEN(aux_sym__ws_token1);
      if (lookahead == '\n') ADVANCE(32);
      if (lookahead == '\r') ADVANCE(1);
      if (lookahead == '\t' ||
          lookahead == ' ') ADVANCE(31);
      if (lookahead != 0) ADVANCE(20);
      END_STATE();
    case 32:
      ACCEPT_TOKEN(aux_sym__blank_token1);
      END_STATE();
    default:
      return false;
  }
}

static const TSLexMode ts_lex_modes[STATE_COUNT] = {
  [0] = {.lex_state = 0, .external_lex_state = 1},
  [1] = {.lex_state = 17},
  [2] = {.lex_state = 17},
  [3] = {.lex_state = 17},
  [4] = {.lex_state = 17},
  [5] = {.lex_state = 17},
  [6] = {.lex_state = 17},
  [7] = {.lex_state = 17},
  [8] = {.lex_state = 17},
  [9] = {.lex_state = 17, .external_lex_state = 2},
  [10] = {.lex_state = 17, .external_lex_state = 2},
  [11] = {.lex_state = 17, .external_lex_state = 2},
  [12] = {.lex_state = 17, .external_lex_state = 2},
  [13] = {.lex_state = 17, .external_lex_state = 2},
  [14] = {.lex_state = 17},
  [15] = {.lex_state = 17, .external_lex_state = 2},
  [16] = {.lex_state = 17},
  [17] = {.lex_state = 2, .external_lex_state = 2},
  [18] = {.lex_state = 17},
  [19] = {.lex_state = 17},
  [20] = {.lex_state = 17},
  [21] = {.lex_state = 17},
  [22] = {.lex_state = 17},
  [23] = {.lex_state = 17},
  [24] = {.lex_state = 17},
  [25] = {.lex_state = 17, .external_lex_state = 2},
  [26] = {.lex_state = 17, .external_lex_state = 2},
  [27] = {.lex_state = 4},
  [28] = {.lex_state = 3},
  [29] = {.lex_state = 3},
  [30] = {.lex_state = 17, .external_lex_state = 2},
  [31] = {.lex_state = 17, .external_lex_state = 2},
  [32] = {.lex_state = 3},
  [33] = {.lex_state = 17, .external_lex_state = 2},
  [34] = {.lex_state = 17, .external_lex_state = 2},
  [35] = {.lex_state = 17, .external_lex_state = 2},
  [36] = {.lex_state = 17, .external_lex_state = 2},
  [37] = {.lex_state = 17, .external_lex_state = 2},
  [38] = {.lex_state = 4, .external_lex_state = 2},
  [39] = {.lex_state = 17, .external_lex_state = 2},
  [40] = {.lex_state = 0},
  [41] = {.lex_state = 0, .external_lex_state = 2},
};

enum {
  ts_external_token__eof_newline = 0,
  ts_external_token__error_sentinel = 1,
};

static const TSSymbol ts_external_scanner_symbol_map[EXTERNAL_TOKEN_COUNT] = {
  [ts_external_token__eof_newline] = sym__eof_newline,
  [ts_external_token__error_sentinel] = sym__error_sentinel,
};

static const bool ts_external_scanner_states[3][EXTERNAL_TOKEN_COUNT] = {
  [1] = {
    [ts_external_token__eof_newline] = true,
    [ts_external_token__error_sentinel] = true,
  },
  [2] = {
    [ts_external_token__eof_newline] = true,
  },
};

static const uint16_t ts_parse_table[LARGE_STATE_COUNT][SYMBOL_COUNT] = {
  [0] = {
    [ts_builtin_sym_end] = ACTIONS(1),
    [anon_sym_PIPE] = ACTIONS(1),
    [aux_sym_keyword_token1] = ACTIONS(1),
    [anon_sym_DQUOTE] = ACTIONS(1),
    [aux_sym_string_token1] = ACTIONS(1),
    [anon_sym_DQUOTE2] = ACTIONS(1),
    [sym_escape_sequence] = ACTIONS(1),
    [sym_comment] = ACTIONS(1),
    [aux_sym__ws_token1] = ACTIONS(1),
    [aux_sym__blank_token1] = ACTIONS(1),
    [sym__eof_newline] = ACTIONS(1),
    [sym__error_sentinel] = ACTIONS(1),
  },
  [1] = {
    [sym_file] = STATE(40),
    [sym_record] = STATE(2),
    [sym_keyword] = STATE(9),
    [sym__indent] = STATE(39),
    [sym__blank] = STATE(2),
    [aux_sym_file_repeat1] = STATE(2),
    [ts_builtin_sym_end] = ACTIONS(3),
    [aux_sym_keyword_token1] = ACTIONS(5),
    [sym_comment] = ACTIONS(7),
    [aux_sym__ws_token1] = ACTIONS(9),
    [aux_sym__blank_token1] = ACTIONS(11),
  },
};

static const uint16_t ts_small_parse_table[] = {
  [0] = 8,
    ACTIONS(5), 1,
      aux_sym_keyword_token1,
    ACTIONS(7), 1,
      sym_comment,
    ACTIONS(9), 1,
      aux_sym__ws_token1,
    ACTIONS(13), 1,
      ts_builtin_sym_end,
    ACTIONS(15), 1,
      aux_sym__blank_token1,
    STATE(9), 1,
      sym_keyword,
    STATE(39), 1,
      sym__indent,
    STATE(3), 3,
      sym_record,
      sym__blank,
      aux_sym_file_repeat1,
  [27] = 8,
    ACTIONS(17), 1,
      ts_builtin_sym_end,
    ACTIONS(19), 1,
      aux_sym_keyword_token1,
    ACTIONS(22), 1,
      sym_comment,
    ACTIONS(25), 1,
      aux_sym__ws_token1,
    ACTIONS(28), 1,
      aux_sym__blank_token1,
    STATE(9), 1,
      sym_keyword,
    STATE(39), 1,
      sym__indent,
    STATE(3), 3,
      sym_record,
      sym__blank,
      aux_sym_file_repeat1,
  [54] = 4,
    ACTIONS(33), 1,
      aux_sym__ws_token1,
    STATE(15), 1,
      sym__indent,
    STATE(8), 3,
      sym_attribute,
      sym_text,
      aux_sym_record_repeat2,
    ACTIONS(31), 4,
      ts_builtin_sym_end,
      aux_sym_keyword_token1,
      sym_comment,
      aux_sym__blank_token1,
  [72] = 4,
    ACTIONS(33), 1,
      aux_sym__ws_token1,
    STATE(15), 1,
      sym__indent,
    STATE(8), 3,
      sym_attribute,
      sym_text,
      aux_sym_record_repeat2,
    ACTIONS(35), 4,
      ts_builtin_sym_end,
      aux_sym_keyword_token1,
      sym_comment,
      aux_sym__blank_token1,
  [90] = 4,
    ACTIONS(33), 1,
      aux_sym__ws_token1,
    STATE(15), 1,
      sym__indent,
    STATE(4), 3,
      sym_attribute,
      sym_text,
      aux_sym_record_repeat2,
    ACTIONS(37), 4,
      ts_builtin_sym_end,
      aux_sym_keyword_token1,
      sym_comment,
      aux_sym__blank_token1,
  [108] = 4,
    ACTIONS(33), 1,
      aux_sym__ws_token1,
    STATE(15), 1,
      sym__indent,
    STATE(5), 3,
      sym_attribute,
      sym_text,
      aux_sym_record_repeat2,
    ACTIONS(39), 4,
      ts_builtin_sym_end,
      aux_sym_keyword_token1,
      sym_comment,
      aux_sym__blank_token1,
  [126] = 4,
    ACTIONS(43), 1,
      aux_sym__ws_token1,
    STATE(15), 1,
      sym__indent,
    STATE(8), 3,
      sym_attribute,
      sym_text,
      aux_sym_record_repeat2,
    ACTIONS(41), 4,
      ts_builtin_sym_end,
      aux_sym_keyword_token1,
      sym_comment,
      aux_sym__blank_token1,
  [144] = 5,
    ACTIONS(46), 1,
      aux_sym__ws_token1,
    STATE(6), 1,
      sym__end,
    STATE(10), 1,
      aux_sym_record_repeat1,
    STATE(27), 1,
      sym__ws,
    ACTIONS(48), 2,
      sym__eof_newline,
      aux_sym__blank_token1,
  [161] = 5,
    ACTIONS(46), 1,
      aux_sym__ws_token1,
    STATE(7), 1,
      sym__end,
    STATE(13), 1,
      aux_sym_record_repeat1,
    STATE(27), 1,
      sym__ws,
    ACTIONS(50), 2,
      sym__eof_newline,
      aux_sym__blank_token1,
  [178] = 5,
    ACTIONS(46), 1,
      aux_sym__ws_token1,
    STATE(12), 1,
      aux_sym_record_repeat1,
    STATE(21), 1,
      sym__end,
    STATE(27), 1,
      sym__ws,
    ACTIONS(52), 2,
      sym__eof_newline,
      aux_sym__blank_token1,
  [195] = 5,
    ACTIONS(46), 1,
      aux_sym__ws_token1,
    STATE(13), 1,
      aux_sym_record_repeat1,
    STATE(24), 1,
      sym__end,
    STATE(27), 1,
      sym__ws,
    ACTIONS(54), 2,
      sym__eof_newline,
      aux_sym__blank_token1,
  [212] = 4,
    ACTIONS(56), 1,
      aux_sym__ws_token1,
    STATE(13), 1,
      aux_sym_record_repeat1,
    STATE(27), 1,
      sym__ws,
    ACTIONS(59), 2,
      sym__eof_newline,
      aux_sym__blank_token1,
  [226] = 2,
    ACTIONS(63), 1,
      aux_sym__ws_token1,
    ACTIONS(61), 4,
      ts_builtin_sym_end,
      aux_sym_keyword_token1,
      sym_comment,
      aux_sym__blank_token1,
  [236] = 5,
    ACTIONS(65), 1,
      anon_sym_PIPE,
    ACTIONS(67), 1,
      aux_sym_keyword_token1,
    ACTIONS(69), 1,
      sym_comment,
    ACTIONS(71), 1,
      sym__eof_newline,
    STATE(11), 1,
      sym_key,
  [252] = 2,
    ACTIONS(75), 1,
      aux_sym__ws_token1,
    ACTIONS(73), 4,
      ts_builtin_sym_end,
      aux_sym_keyword_token1,
      sym_comment,
      aux_sym__blank_token1,
  [262] = 4,
    ACTIONS(77), 1,
      sym_text_content,
    ACTIONS(79), 1,
      aux_sym__ws_token1,
    STATE(22), 1,
      sym__end,
    ACTIONS(81), 2,
      sym__eof_newline,
      aux_sym__blank_token1,
  [276] = 2,
    ACTIONS(83), 1,
      aux_sym__ws_token1,
    ACTIONS(17), 4,
      ts_builtin_sym_end,
      aux_sym_keyword_token1,
      sym_comment,
      aux_sym__blank_token1,
  [286] = 2,
    ACTIONS(87), 1,
      aux_sym__ws_token1,
    ACTIONS(85), 4,
      ts_builtin_sym_end,
      aux_sym_keyword_token1,
      sym_comment,
      aux_sym__blank_token1,
  [296] = 2,
    ACTIONS(89), 1,
      aux_sym__ws_token1,
    ACTIONS(41), 4,
      ts_builtin_sym_end,
      aux_sym_keyword_token1,
      sym_comment,
      aux_sym__blank_token1,
  [306] = 2,
    ACTIONS(93), 1,
      aux_sym__ws_token1,
    ACTIONS(91), 4,
      ts_builtin_sym_end,
      aux_sym_keyword_token1,
      sym_comment,
      aux_sym__blank_token1,
  [316] = 2,
    ACTIONS(97), 1,
      aux_sym__ws_token1,
    ACTIONS(95), 4,
      ts_builtin_sym_end,
      aux_sym_keyword_token1,
      sym_comment,
      aux_sym__blank_token1,
  [326] = 2,
    ACTIONS(101), 1,
      aux_sym__ws_token1,
    ACTIONS(99), 4,
      ts_builtin_sym_end,
      aux_sym_keyword_token1,
      sym_comment,
      aux_sym__blank_token1,
  [336] = 2,
    ACTIONS(105), 1,
      aux_sym__ws_token1,
    ACTIONS(103), 4,
      ts_builtin_sym_end,
      aux_sym_keyword_token1,
      sym_comment,
      aux_sym__blank_token1,
  [346] = 3,
    ACTIONS(79), 1,
      aux_sym__ws_token1,
    STATE(16), 1,
      sym__end,
    ACTIONS(107), 2,
      sym__eof_newline,
      aux_sym__blank_token1,
  [357] = 3,
    ACTIONS(79), 1,
      aux_sym__ws_token1,
    STATE(18), 1,
      sym__end,
    ACTIONS(109), 2,
      sym__eof_newline,
      aux_sym__blank_token1,
  [368] = 3,
    ACTIONS(111), 1,
      sym_word,
    ACTIONS(113), 1,
      anon_sym_DQUOTE,
    STATE(33), 2,
      sym__value,
      sym_string,
  [379] = 3,
    ACTIONS(117), 1,
      anon_sym_DQUOTE2,
    STATE(29), 1,
      aux_sym_string_repeat1,
    ACTIONS(115), 2,
      aux_sym_string_token1,
      sym_escape_sequence,
  [390] = 3,
    ACTIONS(121), 1,
      anon_sym_DQUOTE2,
    STATE(32), 1,
      aux_sym_string_repeat1,
    ACTIONS(119), 2,
      aux_sym_string_token1,
      sym_escape_sequence,
  [401] = 3,
    ACTIONS(79), 1,
      aux_sym__ws_token1,
    STATE(23), 1,
      sym__end,
    ACTIONS(123), 2,
      sym__eof_newline,
      aux_sym__blank_token1,
  [412] = 3,
    ACTIONS(79), 1,
      aux_sym__ws_token1,
    STATE(19), 1,
      sym__end,
    ACTIONS(125), 2,
      sym__eof_newline,
      aux_sym__blank_token1,
  [423] = 3,
    ACTIONS(130), 1,
      anon_sym_DQUOTE2,
    STATE(32), 1,
      aux_sym_string_repeat1,
    ACTIONS(127), 2,
      aux_sym_string_token1,
      sym_escape_sequence,
  [434] = 2,
    ACTIONS(132), 1,
      aux_sym__ws_token1,
    ACTIONS(134), 2,
      sym__eof_newline,
      aux_sym__blank_token1,
  [442] = 2,
    ACTIONS(136), 1,
      aux_sym__ws_token1,
    ACTIONS(138), 2,
      sym__eof_newline,
      aux_sym__blank_token1,
  [450] = 2,
    ACTIONS(140), 1,
      aux_sym__ws_token1,
    ACTIONS(142), 2,
      sym__eof_newline,
      aux_sym__blank_token1,
  [458] = 2,
    ACTIONS(144), 1,
      aux_sym__ws_token1,
    ACTIONS(146), 2,
      sym__eof_newline,
      aux_sym__blank_token1,
  [466] = 2,
    ACTIONS(148), 1,
      aux_sym__ws_token1,
    ACTIONS(150), 2,
      sym__eof_newline,
      aux_sym__blank_token1,
  [474] = 2,
    ACTIONS(154), 1,
      sym__eof_newline,
    ACTIONS(152), 2,
      sym_word,
      anon_sym_DQUOTE,
  [482] = 2,
    ACTIONS(109), 1,
      sym__eof_newline,
    ACTIONS(156), 1,
      sym_comment,
  [489] = 1,
    ACTIONS(158), 1,
      ts_builtin_sym_end,
  [493] = 1,
    ACTIONS(154), 1,
      sym__eof_newline,
};

static const uint32_t ts_small_parse_table_map[] = {
  [SMALL_STATE(2)] = 0,
  [SMALL_STATE(3)] = 27,
  [SMALL_STATE(4)] = 54,
  [SMALL_STATE(5)] = 72,
  [SMALL_STATE(6)] = 90,
  [SMALL_STATE(7)] = 108,
  [SMALL_STATE(8)] = 126,
  [SMALL_STATE(9)] = 144,
  [SMALL_STATE(10)] = 161,
  [SMALL_STATE(11)] = 178,
  [SMALL_STATE(12)] = 195,
  [SMALL_STATE(13)] = 212,
  [SMALL_STATE(14)] = 226,
  [SMALL_STATE(15)] = 236,
  [SMALL_STATE(16)] = 252,
  [SMALL_STATE(17)] = 262,
  [SMALL_STATE(18)] = 276,
  [SMALL_STATE(19)] = 286,
  [SMALL_STATE(20)] = 296,
  [SMALL_STATE(21)] = 306,
  [SMALL_STATE(22)] = 316,
  [SMALL_STATE(23)] = 326,
  [SMALL_STATE(24)] = 336,
  [SMALL_STATE(25)] = 346,
  [SMALL_STATE(26)] = 357,
  [SMALL_STATE(27)] = 368,
  [SMALL_STATE(28)] = 379,
  [SMALL_STATE(29)] = 390,
  [SMALL_STATE(30)] = 401,
  [SMALL_STATE(31)] = 412,
  [SMALL_STATE(32)] = 423,
  [SMALL_STATE(33)] = 434,
  [SMALL_STATE(34)] = 442,
  [SMALL_STATE(35)] = 450,
  [SMALL_STATE(36)] = 458,
  [SMALL_STATE(37)] = 466,
  [SMALL_STATE(38)] = 474,
  [SMALL_STATE(39)] = 482,
  [SMALL_STATE(40)] = 489,
  [SMALL_STATE(41)] = 493,
};

static const TSParseActionEntry ts_parse_actions[] = {
  [0] = {.entry = {.count = 0, .reusable = false}},
  [1] = {.entry = {.count = 1, .reusable = false}}, RECOVER(),
  [3] = {.entry = {.count = 1, .reusable = true}}, REDUCE(sym_file, 0),
  [5] = {.entry = {.count = 1, .reusable = true}}, SHIFT(34),
  [7] = {.entry = {.count = 1, .reusable = true}}, SHIFT(26),
  [9] = {.entry = {.count = 1, .reusable = false}}, SHIFT(39),
  [11] = {.entry = {.count = 1, .reusable = true}}, SHIFT(2),
  [13] = {.entry = {.count = 1, .reusable = true}}, REDUCE(sym_file, 1),
  [15] = {.entry = {.count = 1, .reusable = true}}, SHIFT(3),
  [17] = {.entry = {.count = 1, .reusable = true}}, REDUCE(aux_sym_file_repeat1, 2),
  [19] = {.entry = {.count = 2, .reusable = true}}, REDUCE(aux_sym_file_repeat1, 2), SHIFT_REPEAT(34),
  [22] = {.entry = {.count = 2, .reusable = true}}, REDUCE(aux_sym_file_repeat1, 2), SHIFT_REPEAT(26),
  [25] = {.entry = {.count = 2, .reusable = false}}, REDUCE(aux_sym_file_repeat1, 2), SHIFT_REPEAT(39),
  [28] = {.entry = {.count = 2, .reusable = true}}, REDUCE(aux_sym_file_repeat1, 2), SHIFT_REPEAT(3),
  [31] = {.entry = {.count = 1, .reusable = true}}, REDUCE(sym_record, 3, .production_id = 1),
  [33] = {.entry = {.count = 1, .reusable = false}}, SHIFT(15),
  [35] = {.entry = {.count = 1, .reusable = true}}, REDUCE(sym_record, 4, .production_id = 3),
  [37] = {.entry = {.count = 1, .reusable = true}}, REDUCE(sym_record, 2, .production_id = 1),
  [39] = {.entry = {.count = 1, .reusable = true}}, REDUCE(sym_record, 3, .production_id = 3),
  [41] = {.entry = {.count = 1, .reusable = true}}, REDUCE(aux_sym_record_repeat2, 2),
  [43] = {.entry = {.count = 2, .reusable = false}}, REDUCE(aux_sym_record_repeat2, 2), SHIFT_REPEAT(15),
  [46] = {.entry = {.count = 1, .reusable = false}}, SHIFT(38),
  [48] = {.entry = {.count = 1, .reusable = true}}, SHIFT(6),
  [50] = {.entry = {.count = 1, .reusable = true}}, SHIFT(7),
  [52] = {.entry = {.count = 1, .reusable = true}}, SHIFT(21),
  [54] = {.entry = {.count = 1, .reusable = true}}, SHIFT(24),
  [56] = {.entry = {.count = 2, .reusable = false}}, REDUCE(aux_sym_record_repeat1, 2, .production_id = 4), SHIFT_REPEAT(27),
  [59] = {.entry = {.count = 1, .reusable = true}}, REDUCE(aux_sym_record_repeat1, 2, .production_id = 4),
  [61] = {.entry = {.count = 1, .reusable = true}}, REDUCE(sym__end, 2),
  [63] = {.entry = {.count = 1, .reusable = false}}, REDUCE(sym__end, 2),
  [65] = {.entry = {.count = 1, .reusable = true}}, SHIFT(17),
  [67] = {.entry = {.count = 1, .reusable = true}}, SHIFT(36),
  [69] = {.entry = {.count = 1, .reusable = true}}, SHIFT(31),
  [71] = {.entry = {.count = 1, .reusable = true}}, SHIFT(20),
  [73] = {.entry = {.count = 1, .reusable = true}}, REDUCE(aux_sym_file_repeat1, 3),
  [75] = {.entry = {.count = 1, .reusable = false}}, REDUCE(aux_sym_file_repeat1, 3),
  [77] = {.entry = {.count = 1, .reusable = true}}, SHIFT(30),
  [79] = {.entry = {.count = 1, .reusable = false}}, SHIFT(41),
  [81] = {.entry = {.count = 1, .reusable = true}}, SHIFT(22),
  [83] = {.entry = {.count = 1, .reusable = false}}, REDUCE(aux_sym_file_repeat1, 2),
  [85] = {.entry = {.count = 1, .reusable = true}}, REDUCE(aux_sym_record_repeat2, 3),
  [87] = {.entry = {.count = 1, .reusable = false}}, REDUCE(aux_sym_record_repeat2, 3),
  [89] = {.entry = {.count = 1, .reusable = false}}, REDUCE(aux_sym_record_repeat2, 2),
  [91] = {.entry = {.count = 1, .reusable = true}}, REDUCE(sym_attribute, 3, .production_id = 5),
  [93] = {.entry = {.count = 1, .reusable = false}}, REDUCE(sym_attribute, 3, .production_id = 5),
  [95] = {.entry = {.count = 1, .reusable = true}}, REDUCE(sym_text, 3),
  [97] = {.entry = {.count = 1, .reusable = false}}, REDUCE(sym_text, 3),
  [99] = {.entry = {.count = 1, .reusable = true}}, REDUCE(sym_text, 4, .production_id = 6),
  [101] = {.entry = {.count = 1, .reusable = false}}, REDUCE(sym_text, 4, .production_id = 6),
  [103] = {.entry = {.count = 1, .reusable = true}}, REDUCE(sym_attribute, 4, .production_id = 7),
  [105] = {.entry = {.count = 1, .reusable = false}}, REDUCE(sym_attribute, 4, .production_id = 7),
  [107] = {.entry = {.count = 1, .reusable = true}}, SHIFT(16),
  [109] = {.entry = {.count = 1, .reusable = true}}, SHIFT(18),
  [111] = {.entry = {.count = 1, .reusable = true}}, SHIFT(33),
  [113] = {.entry = {.count = 1, .reusable = true}}, SHIFT(28),
  [115] = {.entry = {.count = 1, .reusable = true}}, SHIFT(29),
  [117] = {.entry = {.count = 1, .reusable = true}}, SHIFT(35),
  [119] = {.entry = {.count = 1, .reusable = true}}, SHIFT(32),
  [121] = {.entry = {.count = 1, .reusable = true}}, SHIFT(37),
  [123] = {.entry = {.count = 1, .reusable = true}}, SHIFT(23),
  [125] = {.entry = {.count = 1, .reusable = true}}, SHIFT(19),
  [127] = {.entry = {.count = 2, .reusable = true}}, REDUCE(aux_sym_string_repeat1, 2), SHIFT_REPEAT(32),
  [130] = {.entry = {.count = 1, .reusable = true}}, REDUCE(aux_sym_string_repeat1, 2),
  [132] = {.entry = {.count = 1, .reusable = false}}, REDUCE(aux_sym_record_repeat1, 2, .production_id = 2),
  [134] = {.entry = {.count = 1, .reusable = true}}, REDUCE(aux_sym_record_repeat1, 2, .production_id = 2),
  [136] = {.entry = {.count = 1, .reusable = false}}, REDUCE(sym_keyword, 1),
  [138] = {.entry = {.count = 1, .reusable = true}}, REDUCE(sym_keyword, 1),
  [140] = {.entry = {.count = 1, .reusable = false}}, REDUCE(sym_string, 2),
  [142] = {.entry = {.count = 1, .reusable = true}}, REDUCE(sym_string, 2),
  [144] = {.entry = {.count = 1, .reusable = false}}, REDUCE(sym_key, 1),
  [146] = {.entry = {.count = 1, .reusable = true}}, REDUCE(sym_key, 1),
  [148] = {.entry = {.count = 1, .reusable = false}}, REDUCE(sym_string, 3),
  [150] = {.entry = {.count = 1, .reusable = true}}, REDUCE(sym_string, 3),
  [152] = {.entry = {.count = 1, .reusable = true}}, REDUCE(sym__ws, 1),
  [154] = {.entry = {.count = 1, .reusable = true}}, SHIFT(14),
  [156] = {.entry = {.count = 1, .reusable = true}}, SHIFT(25),
  [158] = {.entry = {.count = 1, .reusable = true}},  ACCEPT_INPUT(),
};

#ifdef __cplusplus
extern "C" {
#endif
void *tree_sitter_stance_external_scanner_create(void);
void tree_sitter_stance_external_scanner_destroy(void *);
bool tree_sitter_stance_external_scanner_scan(void *, TSLexer *, const bool *);
unsigned tree_sitter_stance_external_scanner_serialize(void *, char *);
void tree_sitter_stance_external_scanner_deserialize(void *, const char *, unsigned);

#ifdef _WIN32
#define extern __declspec(dllexport)
#endif

extern const TSLanguage *tree_sitter_stance(void) {
  static const TSLanguage language = {
    .version = LANGUAGE_VERSION,
    .symbol_count = SYMBOL_COUNT,
    .alias_count = ALIAS_COUNT,
    .token_count = TOKEN_COUNT,
    .external_token_count = EXTERNAL_TOKEN_COUNT,
    .state_count = STATE_COUNT,
    .large_state_count = LARGE_STATE_COUNT,
    .production_id_count = PRODUCTION_ID_COUNT,
    .field_count = FIELD_COUNT,
    .max_alias_sequence_length = MAX_ALIAS_SEQUENCE_LENGTH,
    .parse_table = &ts_parse_table[0][0],
    .small_parse_table = ts_small_parse_table,
    .small_parse_table_map = ts_small_parse_table_map,
    .parse_actions = ts_parse_actions,
    .symbol_names = ts_symbol_names,
    .field_names = ts_field_names,
    .field_map_slices = ts_field_map_slices,
    .field_map_entries = ts_field_map_entries,
    .symbol_metadata = ts_symbol_metadata,
    .public_symbol_map = ts_symbol_map,
    .alias_map = ts_non_terminal_alias_map,
    .alias_sequences = &ts_alias_sequences[0][0],
    .lex_modes = ts_lex_modes,
    .lex_fn = ts_lex,
    .external_scanner = {
      &ts_external_scanner_states[0][0],
      ts_external_scanner_symbol_map,
      tree_sitter_stance_external_scanner_create,
      tree_sitter_stance_external_scanner_destroy,
      tree_sitter_stance_external_scanner_scan,
      tree_sitter_stance_external_scanner_serialize,
      tree_sitter_stance_external_scanner_deserialize,
    },
  };
  return &language;
}
#ifdef __cplusplus
}
#endif
