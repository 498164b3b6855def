/** The peer wire codec (BEP 3, 6, 9, 10): transport-agnostic, pure. See NOTES.md. */
export * from './messages.ts';
export * from './handshake.ts';
export * from './decoder.ts';
export * from './extension.ts';
export * from './ut-metadata.ts';
export * from './lt-donthave.ts';
export { WireError } from '../errors.ts';
