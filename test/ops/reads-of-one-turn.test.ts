import { expect } from 'chai';
import { ReadsOfOneTurn } from '../../src/db/reads-of-one-turn.js';

// The finds of concurrent provider requests read in one statement (src/oidc/adapter.ts); the provider's
// requests through it, on both databases: test/ops/api-endpoints.test.ts.

interface Row { key: string; value: { n: number } }

/** A reader over `table` that records each statement's keys. */
function recordingReader(table: Record<string, number>) {
  const statements: string[][] = [];
  const reads = new ReadsOfOneTurn<Row>(async (keys) => {
    statements.push([...keys]);
    return [...new Set(keys)].filter((key) => key in table).map((key) => ({ key, value: { n: table[key]! } }));
  }, (row) => row.key, 4);
  return { reads, statements };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('reads of one turn', () => {
  it('reads what one turn asks for in one statement, each asker getting its own row or none', async () => {
    const { reads, statements } = recordingReader({ a: 1, b: 2, c: 3 });
    const rows = await Promise.all([reads.get('a'), reads.get('c'), reads.get('missing')]);
    expect(rows.map((row) => row?.value.n)).to.deep.equal([1, 3, undefined]);
    // Three keys, padded to four with the last one: a statement has one of a few texts.
    expect(statements).to.deep.equal([['a', 'c', 'missing', 'missing']]);
  });

  it('reads again in a later turn, and at once when a turn asks for one row', async () => {
    const { reads, statements } = recordingReader({ a: 1, b: 2 });
    expect((await reads.get('a'))?.value.n).to.equal(1);
    await nextTurn();
    expect((await reads.get('b'))?.value.n).to.equal(2);
    expect(statements).to.deep.equal([['a'], ['b']]);
  });

  it('gives two askers of one row a copy each, so that what one changes the other does not see', async () => {
    const { reads, statements } = recordingReader({ a: 1 });
    const [first, second] = await Promise.all([reads.get('a'), reads.get('a')]);
    expect(statements).to.deep.equal([['a']]);
    first!.value.n = 99;
    expect(second!.value.n).to.equal(1);
  });

  it('splits more keys than a statement takes into several statements', async () => {
    const { reads, statements } = recordingReader({ a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 });
    const rows = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((key) => reads.get(key)));
    expect(rows.map((row) => row?.value.n)).to.deep.equal([1, 2, 3, 4, 5, 6]);
    expect(statements).to.deep.equal([['a', 'b', 'c', 'd'], ['e', 'f']]);
  });

  it('fails every asker of a statement that failed, or that threw before it was sent, and reads again afterwards', async () => {
    let mode: 'reject' | 'throw' | 'ok' = 'reject';
    const reads = new ReadsOfOneTurn<Row>((keys) => {
      if (mode === 'throw') throw new Error('no connection');
      if (mode === 'reject') return Promise.reject(new Error('server has gone away'));
      return Promise.resolve(keys.map((key) => ({ key, value: { n: 1 } })));
    }, (row) => row.key);
    const outcomes = async () => Promise.allSettled([reads.get('a'), reads.get('b')]);
    for (const [failing, message] of [['reject', 'server has gone away'], ['throw', 'no connection']] as const) {
      mode = failing;
      const settled = await outcomes();
      expect(settled.map((outcome) => outcome.status)).to.deep.equal(['rejected', 'rejected']);
      expect(settled.map((outcome) => (outcome as PromiseRejectedResult).reason.message)).to.deep.equal([message, message]);
    }
    mode = 'ok';
    expect((await outcomes()).map((outcome) => outcome.status)).to.deep.equal(['fulfilled', 'fulfilled']);
  });
});
