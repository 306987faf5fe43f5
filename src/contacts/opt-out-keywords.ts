export const DEFAULT_OPT_OUT_KEYWORDS = ['STOP', 'BAJA', 'UNSUBSCRIBE'] as const;
export const DEFAULT_OPT_OUT_CONFIRMATION =
  'You have been unsubscribed and will not receive further messages from us. Write to us any time if you need help.';

/** A message opts out only when it is exactly a keyword (any case, surrounding spaces ignored): "stop it!" does not. */
export function isOptOutKeyword(text: string | null, keywords: readonly string[]): boolean {
  if (text === null) return false;
  const t = text.trim().toLocaleUpperCase();
  return t !== '' && keywords.some((k) => k.trim().toLocaleUpperCase() === t);
}
