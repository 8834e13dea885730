/**
 * A worker's link to main, whichever way it was started (process/launcher.ts): a forked child talks through
 * process.send / process.on('message'); an Electron utility process through process.parentPort. Importing this
 * module first makes the second look like the first, so worker code is written once.
 */
interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}

const port = (process as { parentPort?: ParentPort }).parentPort;
if (port) {
  process.send = (message: unknown) => {
    port.postMessage(message);
    return true;
  };
  port.on('message', (e) => process.emit('message', e.data as never, undefined));
}

export {};
