/**
 * Imported first by the CLI entry, before any AWS SDK module: the SDK warns on every run that
 * Node 20 will lose support; the project pins Node 20 knowingly (ADR 0004), so the CLI stays quiet.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export {};
