/** The two IPC channels: every contract call goes through one, every event through the other. */
export const IPC_CALL = 'studio:call';
export const IPC_EVENT = 'studio:event';
