import type { Clock } from '../core/clock.ts';
import { GraphError, invalidParam } from './errors.ts';
import { newNumericId } from './ids.ts';
import type { Scheduler } from './scheduler.ts';
import { normalizeLanguage } from '../channels/whatsapp-cloud/index.ts';
import { reviewTemplate, templateCategories } from './template-review.ts';
import type { SimTemplate, TemplateComponent, TemplateRequest, TemplateSeed } from './types.ts';
import { isObject } from './validation-helpers.ts';

export type TemplateEventSink = (t: SimTemplate, event: string, extra: Record<string, unknown>) => Promise<void>;

/** Meta's template-creation errors: code 100 with a 2388xxx subcode and user-facing title/message. */
function createError(subcode: number, userTitle: string, userMsg: string): GraphError {
  return new GraphError(100, 'Invalid parameter', userMsg, 400, {
    error_subcode: subcode,
    is_transient: false,
    error_user_title: userTitle,
    error_user_msg: userMsg,
  });
}

/**
 * The WABA's templates and their lifecycle: submit → PENDING → (after the review delay)
 * APPROVED/REJECTED by reviewTemplate(), manual PAUSED/DISABLED/APPROVED, deletion — each change
 * announced by a message_template_status_update webhook. Seeds are created APPROVED silently.
 */
export class TemplateStore {
  private readonly byKey = new Map<string, SimTemplate>();
  private readonly byId = new Map<string, SimTemplate>();
  pendingReviews = 0;

  constructor(
    private readonly clock: Clock,
    private readonly scheduler: Scheduler,
    private readonly reviewDelayMs: number,
    private readonly emit: TemplateEventSink,
    private readonly onChange: () => void,
  ) {}

  list(): SimTemplate[] {
    return [...this.byId.values()];
  }

  get(name: string, language: string): SimTemplate | undefined {
    return this.byKey.get(key(name, language));
  }

  getById(id: string): SimTemplate | undefined {
    return this.byId.get(id);
  }

  findTemplates(name: string): SimTemplate[] {
    return this.list().filter((t) => t.name === name);
  }

  create(seed: TemplateSeed): SimTemplate {
    if (this.get(seed.name, seed.language)) throw new Error(`template ${seed.name} (${seed.language}) already exists`);
    return this.insert(seed.name, seed.language, seed.category, seed.parameter_format, seed.components, seed.status ?? 'APPROVED');
  }

  /** POST /message_templates: synchronous errors only for malformed requests, then PENDING. */
  submit(body: unknown): { id: string; status: string; category: string } {
    if (!isObject(body)) throw invalidParam('(#100) The request body must be a JSON object.');
    const req: TemplateRequest = body;
    if (typeof req.name !== 'string' || req.name === '') throw invalidParam('(#100) The parameter name is required.');
    if (typeof req.language !== 'string' || req.language === '') throw invalidParam('(#100) The parameter language is required.');
    const category = typeof req.category === 'string' ? req.category.toUpperCase() : '';
    if (!(templateCategories as readonly string[]).includes(category)) {
      throw invalidParam(`(#100) Param category must be one of {${templateCategories.join(', ')}} - got "${String(req.category ?? '')}".`);
    }
    if (!Array.isArray(req.components) || req.components.length === 0) throw invalidParam('(#100) The parameter components is required.');
    const hasBody = req.components.some((c) => isObject(c) && typeof c.type === 'string' && c.type.toUpperCase() === 'BODY');
    if (!hasBody) throw createError(2388072, 'Body Text Missing', 'A message template needs a BODY component with text.');
    if (this.get(req.name, req.language)) {
      throw createError(
        2388024,
        'Content in This Language Already Exists',
        `There is already ${req.language} content for the template ${req.name}. Edit the existing template or use another name.`,
      );
    }
    const pf = typeof req.parameter_format === 'string' ? req.parameter_format : undefined;
    const t = this.insert(req.name, req.language, category, pf, req.components as TemplateComponent[], 'PENDING');
    this.pendingReviews += 1;
    this.scheduler.schedule(this.reviewDelayMs, () => {
      this.pendingReviews -= 1;
      const result = reviewTemplate(req);
      if (this.byId.get(t.id) === t && t.status === 'PENDING') {
        t.status = result.approved ? 'APPROVED' : 'REJECTED';
        t.reason = result.reason;
        const extra: Record<string, unknown> = {};
        if (result.rejection_info && result.reason === 'INVALID_FORMAT') {
          t.rejection_info = result.rejection_info;
          extra.rejection_info = result.rejection_info;
        }
        void this.emit(t, t.status, extra);
      }
      this.onChange();
    });
    return { id: t.id, status: 'PENDING', category };
  }

  /** Manual status change (PAUSED / DISABLED / APPROVED ...), announced by webhook. */
  async setStatus(name: string, language: string, status: string, reason = 'NONE'): Promise<void> {
    const t = this.get(name, language);
    if (!t) throw new Error(`no template ${name} (${language})`);
    const s = status.toUpperCase();
    t.status = s;
    t.reason = reason;
    const now = this.clock.now();
    const extra: Record<string, unknown> = {};
    if (s === 'PAUSED')
      extra.other_info = {
        title: 'FIRST_PAUSE',
        description: `Your WhatsApp message template has been paused for 3 hours until ${new Date(now + 3 * 3600_000).toISOString()} due to low quality.`,
      };
    if (s === 'DISABLED') extra.disable_info = { disable_date: String(Math.floor(now / 1000)) };
    if (s === 'APPROVED' && reason === 'NONE')
      extra.other_info = { title: 'UNPAUSE', description: 'Your message template is active again.' };
    await this.emit(t, s, extra);
  }

  /** DELETE /message_templates?name=…[&hsm_id=…]: all languages of the name, or one id. */
  delete(name: string, hsmId?: string): SimTemplate[] {
    const victims = this.findTemplates(name).filter((t) => hsmId === undefined || t.id === hsmId);
    for (const t of victims) {
      this.byId.delete(t.id);
      this.byKey.delete(key(t.name, t.language));
      t.status = 'DELETED';
      t.reason = null;
      void this.emit(t, 'PENDING_DELETION', {});
    }
    return victims;
  }

  private insert(
    name: string,
    language: string,
    category: string,
    pf: string | undefined,
    components: TemplateComponent[],
    status: string,
  ): SimTemplate {
    const t: SimTemplate = {
      id: newNumericId(),
      name,
      language,
      category: category.toUpperCase(),
      parameter_format: pf?.toUpperCase() === 'NAMED' ? 'NAMED' : 'POSITIONAL',
      components: structuredClone(components),
      status,
      createdAt: this.clock.now(),
    };
    this.byKey.set(key(name, language), t);
    this.byId.set(t.id, t);
    return t;
  }
}

function key(name: string, language: string): string {
  return `${name}\u0000${normalizeLanguage(language)}`;
}
