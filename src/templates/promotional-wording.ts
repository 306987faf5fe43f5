import type { LintFinding } from './template-types.ts';

/**
 * Words that make Meta recategorise or reject a UTILITY template as marketing (reason
 * PROMOTIONAL / INCORRECT_CATEGORY). Policy review is a judgement, so this is a warning only.
 * English and Spanish, since the seed business writes in Spanish.
 */
const PROMOTIONAL = [
  'sale',
  'discount',
  'offer',
  'promo',
  'promotion',
  'coupon',
  'free',
  'deal',
  'buy now',
  'shop now',
  'limited time',
  'exclusive',
  '% off',
  'oferta',
  'descuento',
  'promoción',
  'promocion',
  'cupón',
  'cupon',
  'gratis',
  'rebaja',
  'compra ya',
  'compra ahora',
  'exclusivo',
  'por tiempo limitado',
];

export function lintPromotionalWording(category: string, texts: string[], out: LintFinding[]): void {
  if (category !== 'UTILITY') return;
  const all = texts.join('\n').toLowerCase();
  const hits = PROMOTIONAL.filter((w) => new RegExp(`(^|[^\\p{L}])${escapeRegExp(w)}($|[^\\p{L}])`, 'u').test(all));
  if (hits.length === 0) return;
  out.push({
    code: 'promotional_in_utility',
    severity: 'warning',
    component: 'BODY',
    message: `Promotional wording in a UTILITY template (${hits.map((h) => `"${h}"`).join(', ')}): Meta may reject it or recategorise it as MARKETING.`,
  });
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
