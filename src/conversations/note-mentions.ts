/**
 * Mentions in a note's text: `@ana@example.com` (an email) or `@usr_...` (a user id). Pure: the
 * caller resolves them to users; a token that matches nobody stays plain text.
 */
export function mentionTokens(text: string): { emails: string[]; userIds: string[] } {
  const emails = new Set<string>();
  const userIds = new Set<string>();
  // After start or a non-word character, so "ana@example.com" alone is not a mention.
  for (const m of text.matchAll(/(?:^|[^\w@])@([^\s@,;:!?()<>[\]{}"']+(?:@[^\s@,;:!?()<>[\]{}"']+)?)/g)) {
    const token = (m[1] ?? '').replace(/[.]+$/, ''); // "@ana@example.com." ends a sentence
    if (token.includes('@')) emails.add(token.toLowerCase());
    else if (/^usr_[\w-]+$/.test(token)) userIds.add(token);
  }
  return { emails: [...emails], userIds: [...userIds] };
}
