export { Gateway, GatewayOptionsSchema, parseGatewayOptions, type GatewayOptions } from './Gateway.js';
export { TenantAuth, ApiKeysSchema, TenantKeysSchema, type ApiKeys, type TenantKeys, type Principal } from './TenantAuth.js';
export { TellBodySchema, askBodySchema, type TellBody, type AskBody } from './schemas.js';
export { RequestError, type ErrorBody } from './http.js';
export { SseChannel, type SseClient } from './SseChannel.js';
