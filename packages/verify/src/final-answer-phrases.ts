/**
 * The phrases that introduce a final answer, in the languages models most often answer in. Each
 * is followed by the answer; matching is case-insensitive and the last occurrence in a text wins.
 * A phrase in a new language is one more line here.
 */
const PHRASES: readonly string[] = [
  // English
  // "final answer" needs its verb or a colon: "before giving the final answer, we check…" is not one.
  String.raw`(?:the\s+)?final\s+answer\s*(?:(?:is|would\s+be|will\s+be)\s*:?|[:=])`,
  String.raw`(?:the\s+)?(?:correct\s+)?answer\s+(?:is|would\s+be|will\s+be)\s*:?`,
  String.raw`(?<![A-Za-z])answer\s*(?::|=)`,
  "####",
  // Chinese
  String.raw`(?:最终|最后的?|正确)?答案\s*(?:应该|应)?\s*(?:是|为|：|:)\s*[:：]?`,
  String.raw`(?:最终|最后的?)?结果\s*(?:是|为)\s*[:：]?`,
  // Japanese
  String.raw`(?:最終的な)?(?:答え|解答|正解)\s*(?:は|：|:)`,
  String.raw`(?<![\p{L}])答\s*(?:：|:)`,
  // Korean
  String.raw`(?:최종\s*)?(?:정답|답)\s*(?:은|는|:|：)`,
];

/** Phrases of languages that write a decimal comma (`2,5`) and group thousands with a dot or space. */
const DECIMAL_COMMA_PHRASES: readonly string[] = [
  // French
  String.raw`(?:la\s+)?réponse\s+(?:finale\s+)?(?:est|sera)\s*(?:donc\s*)?(?:de\s+)?:?`,
  String.raw`réponse\s*(?:finale\s*)?:`,
  // Spanish, Portuguese, Italian (the same shapes)
  String.raw`(?:la\s+)?respuesta\s+(?:final\s+)?(?:correcta\s+)?es\s*:?`,
  String.raw`respuesta\s*(?:final\s*)?:`,
  String.raw`(?:a\s+)?resposta\s+(?:final\s+)?(?:é|e)\s*:?`,
  String.raw`resposta\s*(?:final\s*)?:`,
  String.raw`(?:la\s+)?risposta\s+(?:finale\s+)?(?:è|e)\s*:?`,
  String.raw`risposta\s*(?:finale\s*)?:`,
  // German ("also": "Die Lösung ist also 5")
  String.raw`(?:die\s+)?(?:endgültige\s+|finale\s+)?(?:antwort|lösung)\s+(?:ist|lautet)\s*(?:also\s*)?:?`,
  String.raw`(?:endgültige\s+)?(?:antwort|lösung)\s*:`,
  String.raw`(?:das\s+)?(?:endergebnis|ergebnis)\s+(?:ist|lautet)\s*(?:also\s*)?:?`,
  // Russian
  String.raw`(?:окончательный\s+|итоговый\s+)?ответ\s*(?::|—|-|равен|будет|это)\s*:?`,
];

/** All phrases as one global, case-insensitive, Unicode regex (its match is the phrase itself). */
export const FINAL_ANSWER_PHRASE = new RegExp(
  [...PHRASES, ...DECIMAL_COMMA_PHRASES].map((p) => `(?:${p})`).join("|"),
  "giu",
);

/** Whether a matched phrase (the whole match) is one of a language that writes decimal commas. */
export const DECIMAL_COMMA_PHRASE = new RegExp(`^(?:${DECIMAL_COMMA_PHRASES.map((p) => `(?:${p})`).join("|")})$`, "iu");

/**
 * Words that close a sentence stating the answer in languages that put the verb last
 * ("答えは 12 です", "12 となります"); they are cut from the end of the answer.
 */
export const TRAILING_COPULA = /\s*(?:です|である|となります|になります|だ|となる|になる|입니다|이다)\s*[。.!！]?\s*$/u;
