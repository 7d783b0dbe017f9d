/** The notifier: grace notices to digest mails (notify.ts), the mail itself (digest.ts), its ports (ports.ts). */
export * from './notify';
export * from './digest';
export * from './ports';
