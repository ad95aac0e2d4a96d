// `landscape-lab serve`: the lab in a browser, through the bridge door.
import { integer } from '../options.js';
import type { Context } from '../context.js';

export async function serve(ctx: Context): Promise<number> {
  const port = integer('port', ctx.values.port, 0, 0, 65535);
  const { serve } = await import('../../bridge/serve.js');
  return serve({ db: ctx.database, init: ctx.values.init ?? false, port, open: ctx.values.open ?? false, signal: ctx.call.signal as AbortSignal, out: ctx.out });
}
