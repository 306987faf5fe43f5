import { sql } from 'kysely';

/**
 * The contact's name as shown, over a `contacts as ct` join: the one the business gave it
 * (`contacts.name`, set by PATCH /contacts/:id) wins over the WhatsApp profile name, which stays
 * visible as `contact_profile_name`. Conversation rows, search results, event payloads and canned
 * replies' `{{contact.name}}` all read it from here.
 */
export function contactNameColumns() {
  return [
    sql<string | null>`coalesce(ct.name, ct.profile_name, ct.username)`.as('contact_name'),
    sql<string | null>`ct.profile_name`.as('contact_profile_name'),
  ] as const;
}
