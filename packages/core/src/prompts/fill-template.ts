/**
 * Fills `{name}` slots of a prompt template in one pass, so a value that itself contains `{…}`
 * (LaTeX does) is never filled again. Same slot syntax as LangChain's f-string templates, which
 * build their prompts from the same texts.
 */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{(\w+)\}/g, (slot, name: string) => values[name] ?? slot);
}
