/** One cleanup step: a name for logs and the function that releases the resource. */
export type ShutdownStep = { name: string; close: () => unknown }

export type Shutdown = {
  /** Registers a cleanup; steps run in reverse order of registration (last opened, first closed). */
  add(name: string, close: () => unknown): void
  /** Runs every step once, even when some fail; resolves with the failures. Safe to call twice. */
  run(): Promise<{ name: string; error: unknown }[]>
  readonly closing: boolean
}

/**
 * The shutdown registry every component adds its own cleanup to, so a daemon stops in the reverse
 * order it started (HTTP server before the database it uses) and a failing step never skips the rest.
 *
 * @example
 * const shutdown = createShutdown()
 * const db = await openDatabase(); shutdown.add('database', () => db.close())
 * process.once('SIGTERM', () => shutdown.run())
 */
export function createShutdown(): Shutdown {
  const steps: ShutdownStep[] = []
  let running: Promise<{ name: string; error: unknown }[]> | undefined
  return {
    add(name, close) {
      steps.push({ name, close })
    },
    get closing() {
      return running !== undefined
    },
    run() {
      running ??= (async () => {
        const failures: { name: string; error: unknown }[] = []
        for (const step of steps.reverse()) {
          try {
            await step.close()
          } catch (error) {
            failures.push({ name: step.name, error })
          }
        }
        return failures
      })()
      return running
    },
  }
}
