// How category keywords and patterns are turned into regular expressions. Config validation and the
// rule classifier both compile through here, so a pattern accepted at load time is exactly the one
// matched at request time.

// Case-insensitive everywhere; `u` so patterns may use \p{...} and so prompts are matched by code
// point rather than by UTF-16 unit.
const FLAGS = 'iu';

// A keyword matches as a whole word: not preceded or followed by a letter, digit or underscore in any
// script (\b only knows ASCII word characters).
const WORD_BEFORE = '(?<![\\p{L}\\p{N}_])';
const WORD_AFTER = '(?![\\p{L}\\p{N}_])';

/** Compiles a configured pattern; throws SyntaxError for an invalid one. */
export function compilePattern(source: string): RegExp {
  return new RegExp(source, FLAGS);
}

/**
 * One regex matching any of `keywords` as whole words. Whitespace inside a keyword matches any run of
 * whitespace, so "prime number" also matches "prime\n number".
 */
export function compileKeywords(keywords: readonly string[]): RegExp | undefined {
  if (keywords.length === 0) return undefined;
  const alternatives = keywords.map((keyword) => keyword.trim().split(/\s+/).map(escapeRegExp).join('\\s+'));
  return new RegExp(`${WORD_BEFORE}(?:${alternatives.join('|')})${WORD_AFTER}`, FLAGS);
}

function escapeRegExp(text: string): string {
  // Only syntax characters: in `u` mode escaping anything else (e.g. "-") is itself a syntax error.
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}
