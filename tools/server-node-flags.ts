/**
 * The Node flags the bin starts with (its #! line): a smaller young generation, and an old generation
 * that grows by 20% past what survived the last full collection rather than V8's several times that.
 * They trade a little throughput for a server's resident memory (docs/performance.md);
 * `node [flags] cli/dist/bilby.mjs` runs it with others. Test servers started from source use them too,
 * so their memory is the bin's.
 */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=4', '--heap-growing-percent=20'];
