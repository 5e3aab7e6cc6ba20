import * as pulumi from "@pulumi/pulumi";

/** A resource the mocked engine was asked to create. */
export interface RegisteredResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  /** The `import` resource option's id, which the engine passes to the mock as the id to import. */
  importId?: string;
}

/**
 * Activates Pulumi's mock engine for project `bot-policy` and `stack`, with `config` (keys like
 * `bot-policy:zones`, values as Pulumi stores them: strings, objects as JSON). Returns the list
 * the mock fills with every registered resource. Must be awaited before a program is imported.
 */
export async function installMocks(
  stack: string,
  config: Record<string, string> = {},
  secretKeys: string[] = [],
): Promise<RegisteredResource[]> {
  const registered: RegisteredResource[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown>, ...(args.id ? { importId: args.id } : {}) });
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    "bot-policy",
    stack,
    false,
  );
  pulumi.runtime.setAllConfig(config, secretKeys);
  return registered;
}

/**
 * The value of an output once resolved. With active mocks every output resolves; without them an
 * id never does, so this fails after `timeoutMs` instead of letting a test hang or pass vacuously.
 */
export function valueOf<T>(output: pulumi.Output<T>, timeoutMs = 5_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("Output did not resolve: are Pulumi mocks active?")), timeoutMs);
    output.apply((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}
