/** Constants every test shares. */

/**
 * The account of every test registry and synthesized stack: the emulator's default account and the example
 * account ID of the AWS documentation, so ARNs in fixtures read like the docs'.
 */
export const ACCOUNT = '123456789012';
