import { expect } from 'chai';
import { ReadsOfOneTurn } from '../../src/db/reads-of-one-turn.js';
import { WritesOfOneTurn } from '../../src/db/writes-of-one-turn.js';

// The finds and the writes of concurrent provider requests, each in one statement per turn of the
// event loop (src/oidc/adapter.ts); the provider's requests through them, on both databases:
// test/ops/api-endpoints.test.ts.

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

describe('writes of one turn', () => {
  /** A writer that records each statement's rows and fails any statement holding a row 'bad' (or throws on 'throw'). */
  function recordingWriter(maxRows?: number) {
    const statements: string[][] = [];
    const writes = new WritesOfOneTurn<string>(async (rows) => {
      if (rows.includes('throw')) throw new Error('cannot build the statement');
      statements.push([...rows]);
      if (rows.includes('bad')) throw new Error('Data too long');
    }, maxRows);
    return { writes, statements };
  }

  it('writes the rows of one turn in one statement, in the order asked, and each request learns when its rows are written', async () => {
    const { writes, statements } = recordingWriter();
    const done: string[] = [];
    await Promise.all([
      writes.add(['a1', 'a2']).then(() => done.push('a')),
      writes.add(['b1']).then(() => done.push('b')),
    ]);
    expect(statements).to.deep.equal([['a1', 'a2', 'b1']]);
    expect(done).to.have.members(['a', 'b']);
    await writes.add(['c1']);
    expect(statements).to.deep.equal([['a1', 'a2', 'b1'], ['c1']]);
  });

  it('splits a turn into statements of at most so many rows, never splitting a request\'s rows', async () => {
    const { writes, statements } = recordingWriter(3);
    await Promise.all([writes.add(['a1', 'a2']), writes.add(['b1', 'b2']), writes.add(['c1'])]);
    expect(statements).to.deep.equal([['a1', 'a2'], ['b1', 'b2', 'c1']]);
  });

  it('when the joint statement fails, writes each request\'s rows alone: only the request whose row failed fails', async () => {
    const { writes, statements } = recordingWriter();
    const settled = await Promise.allSettled([writes.add(['a1']), writes.add(['bad']), writes.add(['c1'])]);
    expect(settled.map((outcome) => outcome.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason.message).to.equal('Data too long');
    expect(statements[0]).to.deep.equal(['a1', 'bad', 'c1']);
    expect(statements.slice(1)).to.have.deep.members([['a1'], ['bad'], ['c1']]);
    // The same when the statement could not even be sent.
    const thrown = await Promise.allSettled([writes.add(['d1']), writes.add(['throw'])]);
    expect(thrown.map((outcome) => outcome.status)).to.deep.equal(['fulfilled', 'rejected']);
    expect((thrown[1] as PromiseRejectedResult).reason.message).to.equal('cannot build the statement');
    // A request alone that fails gets its error, with no second attempt.
    const alone = recordingWriter();
    const [outcome] = await Promise.allSettled([alone.writes.add(['bad'])]);
    expect((outcome as PromiseRejectedResult).reason.message).to.equal('Data too long');
    expect(alone.statements).to.deep.equal([['bad']]);
  });
});
