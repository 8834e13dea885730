/**
 * Web mode's token, Host and Origin checks live in node-shared/loopback-auth.ts, below both listeners that use
 * them: this server and the serving API (serve-api/, a layer under server/).
 */
export * from '../node-shared/loopback-auth.ts';
