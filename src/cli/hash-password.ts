// `npm run hash-password`: reads a password from standard input and prints its argon2id hash
// (for the `file` directory's password_hash). Nothing is echoed or logged.
import { createInterface } from 'node:readline';
import { PasswordHasher } from '../credentials/hashing.js';

const lines = createInterface({ input: process.stdin, terminal: false });
for await (const line of lines) {
  if (line) process.stdout.write(`${await new PasswordHasher().hash(line)}\n`);
  break;
}
lines.close();
