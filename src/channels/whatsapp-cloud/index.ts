/**
 * The WhatsApp Cloud API channel's public surface. Outside this folder, code uses the channel
 * through the ChannelAdapter interface (channels/channel-adapter.ts) or through what is exported
 * here, never a file inside: WhatsApp's template rules, media limits, webhook parsing and signature,
 * and the adapter's constructor. The dependency check (.dependency-cruiser.cjs) enforces it.
 */
export { createWhatsAppCloudAdapter } from './whatsapp-cloud-adapter.ts';
export { outcomeUnknown } from './graph-errors.ts';
export { isRecord } from './json-guards.ts';
export { mediaLimits, type MediaKind } from './media-limits.ts';
export { authenticationFindings, authenticationText, OTP_CODE_MAX, otpButtonLabel } from './authentication-templates.ts';
export { canonicalLanguage, isKnownLanguage, normalizeLanguage, sameLanguage } from './template-languages.ts';
export { distinctNames, expectedParams, scanVariables, substitute, variableNames, type TemplateVariable } from './template-variables.ts';
export { type RemoteTemplate, WhatsAppTemplateApi } from './template-api.ts';
export { parseWhatsAppWebhook } from './webhook-parser.ts';
export { parseUserIdUpdates } from './parse-user-id-update.ts';
export { verifyWhatsAppSignatureAny } from './webhook-signature.ts';
export { webhookAccounts, type WebhookAccounts } from './webhook-accounts.ts';
