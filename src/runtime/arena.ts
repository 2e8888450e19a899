// The arena: the one WebAssembly.Memory that holds everything an eBPF program can touch: its stack
// frames, its context, packet data and map storage. An eBPF pointer is an offset into the arena, so the
// interpreter and the WebAssembly JIT read and write the same bytes in place. Offset 0 and the page
// after it are never handed out, so a null pointer (and a small offset from one) never names an object.

/** Bytes per WebAssembly page. */
export const WASM_PAGE = 65536;
/** Offsets below this are never allocated: 0 is null, and null plus a small offset must fault too. */
export const NULL_GUARD = 4096;
/** Size of one eBPF stack frame (RFC 9669: 512 bytes). */
export const STACK_FRAME_SIZE = 512;
/** Frames per program stack: the main program and up to 7 nested local calls. */
export const MAX_CALL_FRAMES = 8;
/** A whole program stack: MAX_CALL_FRAMES frames, frame 0 at the top (highest addresses). */
export const STACK_SIZE = STACK_FRAME_SIZE * MAX_CALL_FRAMES;

const DEFAULT_INITIAL_PAGES = 16; // 1 MiB
const DEFAULT_MAXIMUM_PAGES = 16384; // 1 GiB
const MIN_BLOCK = 16;
const LARGE_BLOCK = 65536;

/** Thrown when the arena cannot satisfy an allocation or is handed an address it does not own. */
export class ArenaError extends Error {
  readonly code: 'ARENA_EXHAUSTED' | 'ARENA_BAD_FREE' | 'ARENA_BAD_SIZE';
  constructor(code: ArenaError['code'], message: string) {
    super(message);
    this.name = 'ArenaError';
    this.code = code;
  }
}

export interface ArenaOptions {
  /** Initial size in 64 KiB pages (default 16). */
  initialPages?: number;
  /** Largest size in 64 KiB pages (default 16384, 1 GiB). */
  maximumPages?: number;
}

/**
 * One linear memory and an allocator over it. Blocks are 16-byte aligned, sizes are rounded up to a
 * power of two up to 64 KiB (one free list per size class) and to whole 64 KiB units beyond (first fit).
 * Growing the memory replaces its ArrayBuffer: read `bytes` and `view` again after any allocation.
 */
export class Arena {
  readonly memory: WebAssembly.Memory;
  private top = NULL_GUARD;
  // Every block address ever handed out -> its rounded size, and a live flag per 16-byte unit. Freeing
  // clears the flag instead of deleting from the Map: a test run allocates and frees two blocks per call,
  // and insert/delete churn on a large Map makes V8 rehash it again and again (microseconds per call).
  private readonly sizes = new Map<number, number>();
  private live = new Uint8Array(0);
  private readonly smallFree = new Map<number, number[]>(); // size class -> free addresses
  private largeFree: { addr: number; size: number }[] = [];
  private cachedBuffer: ArrayBuffer;
  private cachedBytes: Uint8Array;
  private cachedView: DataView;

  constructor(options: ArenaOptions = {}) {
    const initial = options.initialPages ?? DEFAULT_INITIAL_PAGES;
    const maximum = options.maximumPages ?? DEFAULT_MAXIMUM_PAGES;
    this.memory = new WebAssembly.Memory({ initial, maximum });
    this.cachedBuffer = this.memory.buffer;
    this.cachedBytes = new Uint8Array(this.cachedBuffer);
    this.cachedView = new DataView(this.cachedBuffer);
  }

  // Growing a WebAssembly.Memory detaches its old ArrayBuffer (byteLength 0): checking that is much
  // cheaper than asking the memory for its buffer, which crosses into the engine on every access.

  /** The arena's bytes (a fresh view after the memory grew). */
  get bytes(): Uint8Array {
    if (this.cachedBuffer.byteLength === 0) this.refresh();
    return this.cachedBytes;
  }

  /** A DataView over the arena (a fresh view after the memory grew). */
  get view(): DataView {
    if (this.cachedBuffer.byteLength === 0) this.refresh();
    return this.cachedView;
  }

  /** Current size in bytes. */
  get size(): number {
    return this.bytes.length;
  }

  /** Bytes handed out and not yet freed (rounded sizes). */
  get allocatedBytes(): number {
    let total = 0;
    for (const [addr, size] of this.sizes) if (this.isLive(addr)) total += size;
    return total;
  }

  /** True when [addr, addr + length) lies inside the arena and above the null guard. */
  contains(addr: number, length: number): boolean {
    return addr >= NULL_GUARD && length >= 0 && addr + length <= this.bytes.length;
  }

  /** Allocates `length` zeroed bytes, 16-byte aligned, and returns the block's address (never 0). */
  alloc(length: number): number {
    if (!Number.isInteger(length) || length < 0) {
      throw new ArenaError('ARENA_BAD_SIZE', `arena: cannot allocate ${length} bytes`);
    }
    const size = roundSize(Math.max(length, 1));
    const addr = size < LARGE_BLOCK ? this.takeSmall(size) : this.takeLarge(size);
    if (this.sizes.get(addr) !== size) this.sizes.set(addr, size);
    const unit = addr >>> 4;
    if (unit >= this.live.length) {
      const grown = new Uint8Array(Math.max(unit + 1, this.bytes.length >>> 4));
      grown.set(this.live);
      this.live = grown;
    }
    this.live[unit] = 1;
    this.bytes.fill(0, addr, addr + size);
    return addr;
  }

  private isLive(addr: number): boolean {
    return addr % 16 === 0 && this.live[addr >>> 4] === 1;
  }

  /** Returns a block to the arena. Freeing an address that is not a live block is an error. */
  free(addr: number): void {
    const size = this.isLive(addr) ? this.sizes.get(addr) : undefined;
    if (size === undefined) {
      throw new ArenaError('ARENA_BAD_FREE', `arena: 0x${addr.toString(16)} is not an allocated block`);
    }
    this.live[addr >>> 4] = 0;
    if (size < LARGE_BLOCK) {
      let list = this.smallFree.get(size);
      if (!list) this.smallFree.set(size, (list = []));
      list.push(addr);
    } else {
      this.largeFree.push({ addr, size });
    }
  }

  /** The rounded size of a live block, or undefined. */
  blockSize(addr: number): number | undefined {
    return this.isLive(addr) ? this.sizes.get(addr) : undefined;
  }

  /** Copies bytes into the arena at `addr`. */
  write(addr: number, data: Uint8Array): void {
    this.bytes.set(data, addr);
  }

  /** Copies `length` bytes out of the arena (a copy, safe to keep across growth). */
  read(addr: number, length: number): Uint8Array {
    return this.bytes.slice(addr, addr + length);
  }

  private takeSmall(size: number): number {
    const list = this.smallFree.get(size);
    if (list && list.length > 0) return list.pop()!;
    return this.bump(size);
  }

  private takeLarge(size: number): number {
    const index = this.largeFree.findIndex((block) => block.size >= size);
    if (index >= 0) {
      const block = this.largeFree[index]!;
      if (block.size === size) this.largeFree.splice(index, 1);
      else this.largeFree[index] = { addr: block.addr + size, size: block.size - size };
      return block.addr;
    }
    return this.bump(size);
  }

  private bump(size: number): number {
    const addr = this.top;
    const end = addr + size;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / WASM_PAGE);
      try {
        this.memory.grow(Math.max(pages, Math.ceil(have / WASM_PAGE / 4)));
      } catch {
        try {
          this.memory.grow(pages);
        } catch {
          throw new ArenaError('ARENA_EXHAUSTED', `arena: out of memory allocating ${size} bytes (arena is ${have} bytes)`);
        }
      }
    }
    this.top = end;
    return addr;
  }

  private refresh(): void {
    this.cachedBuffer = this.memory.buffer;
    this.cachedBytes = new Uint8Array(this.cachedBuffer);
    this.cachedView = new DataView(this.cachedBuffer);
  }
}

function roundSize(length: number): number {
  if (length >= LARGE_BLOCK) return Math.ceil(length / LARGE_BLOCK) * LARGE_BLOCK;
  let size = MIN_BLOCK;
  while (size < length) size *= 2;
  return size;
}

/** A program stack in the arena: frame i spans [frameTop(i) - 512, frameTop(i)); r10 = frameTop(0) at entry. */
export class ProgramStack {
  readonly base: number;
  constructor(private readonly arena: Arena) {
    this.base = arena.alloc(STACK_SIZE);
  }
  /** The value of r10 in call frame `depth` (0 = the program's own frame). */
  frameTop(depth: number): number {
    return this.base + STACK_SIZE - depth * STACK_FRAME_SIZE;
  }
  /** Gives the stack's memory back to the arena. */
  release(): void {
    this.arena.free(this.base);
  }
}
