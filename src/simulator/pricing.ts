/**
 * Per-message pricing (PMP, since 2025-07-01), simplified: templates are billable `regular` in
 * their category, except utility templates inside an open customer-service window
 * (`free_customer_service`); every non-template message is `service`/`free_customer_service`.
 * No free-entry-point windows, no country rates. `authentication-international` vs
 * `authentication_international` is contested (UNCONFIRMED): we never emit that category.
 */
export interface Pricing {
  billable: boolean;
  pricing_model: 'PMP';
  type: 'regular' | 'free_customer_service';
  category: string;
}

export function pricingFor(templateCategory: string | undefined, windowOpen: boolean): Pricing {
  if (!templateCategory) return { billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: 'service' };
  const category = templateCategory.toLowerCase();
  if (category === 'utility' && windowOpen) return { billable: false, pricing_model: 'PMP', type: 'free_customer_service', category };
  return { billable: true, pricing_model: 'PMP', type: 'regular', category };
}
