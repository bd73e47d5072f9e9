// Status slots taken ahead of the transaction that stores their credentials. An import signs chunk n+1 while chunk n's
// transaction writes (imports.ts), so chunk n+1's slots must be taken before that transaction commits: each chunk's
// transaction reserves slots for the chunks after it, and they are handed out here once it committed. A reserved slot
// that is never used (the run stopped or crashed first, a chunk had fewer credentials) stays unused for good — its bits
// are never set, like the slots past a list's counter — and none is handed out twice: the list's counter moved past
// it when the reserving transaction committed, and positions are unique per list in cb_credential.
import type { DataSource, EntityManager } from 'typeorm'
import { transaction } from '../../core/store/sql.ts'
import type { AllocatedSlot } from './status-lists.ts'

/** Takes unused slots in a transaction (StatusLists.allocate). */
export interface SlotAllocator {
  allocate(m: EntityManager, count: number): Promise<AllocatedSlot[]>
}

/** One run's reserved slots (in memory: a new run, or another instance, starts with none). */
export class SlotReserve {
  private free: AllocatedSlot[] = []
  private taken = 0

  constructor(
    private readonly ds: DataSource,
    private readonly allocator: SlotAllocator,
  ) {}

  /** Slots reserved and not handed out. */
  get size(): number {
    return this.free.length
  }

  /** Slots {@link take} handed out so far. */
  get handedOut(): number {
    return this.taken
  }

  /**
   * `count` slots in their order: reserved ones first. When there are too few, those `incoming` brings (the write in
   * flight, which reserves more when it commits; never the caller's own), then the rest allocated in a transaction
   * of their own (a run's first chunk, or one that needs more than was reserved).
   */
  async take(count: number, incoming?: Promise<unknown>): Promise<AllocatedSlot[]> {
    if (this.free.length < count && incoming) await incoming.catch(() => undefined)
    const slots = this.free.splice(0, count)
    if (slots.length < count) slots.push(...(await transaction(this.ds, (m) => this.allocator.allocate(m, count - slots.length))))
    this.taken += slots.length
    return slots
  }

  /** Slots allocated in the caller's transaction `m` until `target` are reserved: {@link add} them once it committed. */
  async allocateIn(m: EntityManager, target: number): Promise<AllocatedSlot[]> {
    const count = target - this.free.length
    return count > 0 ? this.allocator.allocate(m, count) : []
  }

  /** Slots a committed transaction reserved ({@link allocateIn}). */
  add(slots: readonly AllocatedSlot[]): void {
    this.free.push(...slots)
  }
}
