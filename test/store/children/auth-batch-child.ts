// Writes one auth key batch and SIGKILLs itself after KILL_AFTER_ROWS rows of it were written.
import { openChildStore } from "./open-child-store.js";

const killAfter = Number(process.env.KILL_AFTER_ROWS);
const rows = Number(process.env.BATCH_ROWS);
const store = await openChildStore({
  authApplyChunkSize: 10,
  authWriteFaults: {
    afterRowWritten(written) {
      if (written === killAfter) process.kill(process.pid, "SIGKILL");
    },
  },
});
const { state } = await store.authState.load("acc");
await state.keys.set({
  session: Object.fromEntries(Array.from({ length: rows }, (_, i) => [`s${i}`, new Uint8Array([1, i & 255])])),
});
console.log("batch completed without being killed");
await store.close();
