/**
 * Child-process probe for the cold-start test: imports the scheduler handler module (what a
 * Lambda cold start does), says so, and invokes the handler once only when the parent asks.
 */
const handlerModule = await import('../../../src/handlers/scheduler.js');
process.stdout.write(`imported ${typeof handlerModule.handler}\n`);

process.stdin.once('data', async () => {
  try {
    await handlerModule.handler(
      { id: 'probe', time: new Date().toISOString() } as never,
      { functionName: 'probe', awsRequestId: 'probe-1', getRemainingTimeInMillis: () => 30_000 } as never,
    );
  } catch {
    // The probe endpoint is not DynamoDB: the run fails, which is fine; it only has to try.
  }
  process.stdout.write('invoked\n');
  process.exit(0);
});
