/**
 * A message template as Switchboard keeps it: Meta's create-request shape (so it can be
 * submitted unchanged), with category and parameter_format normalised.
 */
export const TEMPLATE_CATEGORIES = ['MARKETING', 'UTILITY', 'AUTHENTICATION'] as const;
export type TemplateCategory = (typeof TEMPLATE_CATEGORIES)[number];
export type ParameterFormat = 'positional' | 'named';

export type HeaderFormat = 'TEXT' | 'IMAGE' | 'VIDEO' | 'DOCUMENT' | 'LOCATION';

export interface TemplateButton {
  type: string; // QUICK_REPLY | URL | PHONE_NUMBER | COPY_CODE | OTP | FLOW | ...
  text?: string;
  url?: string;
  phone_number?: string;
  example?: string | string[];
  flow_id?: string;
  flow_name?: string;
  flow_action?: string;
  navigate_screen?: string;
  /** OTP buttons (AUTHENTICATION): COPY_CODE | ONE_TAP | ZERO_TAP. */
  otp_type?: string;
  autofill_text?: string;
  supported_apps?: Array<{ package_name: string; signature_hash: string }>;
  zero_tap_terms_accepted?: boolean;
}

export interface TemplateComponent {
  type: string; // HEADER | BODY | FOOTER | BUTTONS
  format?: string;
  text?: string;
  example?: Record<string, unknown>;
  buttons?: TemplateButton[];
  /** AUTHENTICATION BODY: adds "For your security, do not share this code." */
  add_security_recommendation?: boolean;
  /** AUTHENTICATION FOOTER: "This code expires in <minutes> minutes." (1-90). */
  code_expiration_minutes?: number;
}

export interface TemplateDocument {
  name: string;
  language: string;
  category: string;
  parameter_format?: string;
  components: TemplateComponent[];
}

/** One lint result: errors predict a rejection by Meta, warnings a risk (policy review, recategorisation). */
export interface LintFinding {
  code: string;
  severity: 'error' | 'warning';
  component: string;
  message: string;
}

/** Statuses as Meta reports them, plus DRAFT (never submitted). Only APPROVED can be sent. */
export type TemplateStatus = 'DRAFT' | 'PENDING' | 'APPROVED' | 'REJECTED' | 'PAUSED' | 'DISABLED' | string;

export function componentOf(doc: { components: TemplateComponent[] }, type: string): TemplateComponent | undefined {
  return doc.components.find((c) => typeof c.type === 'string' && c.type.toUpperCase() === type);
}
