import { describe, expect, it } from 'vitest';
import { BufferPool } from './buffer-pool.ts';

describe('BufferPool', () => {
  it('hands a recycled buffer out again for the same size', () => {
    const pool = new BufferPool();
    const a = pool.alloc(1024);
    pool.recycle(a.buffer);
    expect(pool.pooledBytes).toBe(1024);
    const b = pool.alloc(1024);
    expect(b.buffer).toBe(a.buffer);
    expect(pool.pooledBytes).toBe(0);
  });

  it('allocates fresh buffers for other sizes', () => {
    const pool = new BufferPool();
    const a = pool.alloc(1024);
    pool.recycle(a.buffer);
    expect(pool.alloc(2048).buffer).not.toBe(a.buffer);
  });

  it('keeps at most maxBytes, ignores detached buffers and double recycling', () => {
    const pool = new BufferPool(2048);
    const a = pool.alloc(1024);
    const b = pool.alloc(1024);
    const c = pool.alloc(1024);
    pool.recycle(a.buffer);
    pool.recycle(a.buffer);
    pool.recycle(b.buffer);
    pool.recycle(c.buffer);
    expect(pool.pooledBytes).toBe(2048);
    const d = new ArrayBuffer(1024);
    structuredClone(d, { transfer: [d] });
    const small = new BufferPool();
    small.recycle(d);
    expect(small.pooledBytes).toBe(0);
  });

  it('clear lets go of everything', () => {
    const pool = new BufferPool();
    pool.recycle(pool.alloc(1024).buffer);
    pool.clear();
    expect(pool.pooledBytes).toBe(0);
  });
});
