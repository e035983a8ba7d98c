import { PostBudget, PostBudgetReached } from './post-budget';

describe('PostBudget', () => {
  let now: Date;
  const clock = () => now;

  beforeEach(() => {
    now = new Date('2026-12-15T12:00:00.000Z');
  });

  it('grants everything asked when there is no budget', () => {
    const budget = new PostBudget(null, 1_000_000, clock);
    expect(budget.reserve(100, 1)).toBe(100);
    budget.settle(100, 130);
    expect(budget.read).toBe(1_000_130);
  });

  it('grants what still fits, counting what concurrent requests reserved', () => {
    const budget = new PostBudget(1000, 700, clock);
    expect(budget.reserve(100, 1)).toBe(100);
    expect(budget.reserve(100, 1)).toBe(100);
    expect(budget.reserve(100, 1)).toBe(100);
    // Nothing delivered yet, but the three in flight could deliver the rest.
    expect(() => budget.reserve(100, 1)).toThrow('monthly post budget reached (700 of 1000)');
    budget.settle(100, 40);
    expect(budget.reserve(100, 1)).toBe(60);
  });

  it('grants the rest of the budget, then refuses before the request that would pass it', () => {
    const budget = new PostBudget(1000, 950, clock);
    expect(budget.reserve(100, 1)).toBe(50);
    expect(() => budget.reserve(100, 1)).toThrow(new PostBudgetReached(950, 1000));
    expect(() => budget.reserve(100, 1)).toThrow('monthly post budget reached (950 of 1000)');
    expect(budget.read).toBe(950);
  });

  it('refuses when not even the least the request needs fits', () => {
    const budget = new PostBudget(1000, 990, clock);
    expect(() => budget.reserve(100, 20)).toThrow(PostBudgetReached);
    expect(budget.reserve(100, 10)).toBe(10);
  });

  it('replaces a reservation with what was delivered, more than reserved included', () => {
    const budget = new PostBudget(1000, 0, clock);
    expect(budget.reserve(600, 1)).toBe(600);
    budget.settle(600, 200); // a short page frees the rest
    expect(budget.read).toBe(200);
    expect(budget.reserve(1000, 1)).toBe(800);
    budget.settle(800, 830); // includes: counted anyway, past the budget
    expect(budget.read).toBe(1030);
    expect(() => budget.reserve(1, 1)).toThrow('monthly post budget reached (1030 of 1000)');
  });

  it('starts the count again when the UTC month changes', () => {
    now = new Date('2026-12-31T23:59:00.000Z');
    const budget = new PostBudget(1000, 1000, clock);
    expect(() => budget.reserve(1, 1)).toThrow(PostBudgetReached);
    // Still December in UTC, though January already east of it.
    now = new Date('2026-12-31T23:59:59.999Z');
    expect(budget.read).toBe(1000);
    now = new Date('2027-01-01T00:00:00.000Z');
    expect(budget.read).toBe(0);
    expect(budget.reserve(400, 1)).toBe(400);
    budget.settle(400, 400);
    expect(budget.reserve(1000, 1)).toBe(600);
  });

  it('counts what a request reserved last month and delivered this month in this month', () => {
    now = new Date('2026-12-31T23:59:59.000Z');
    const budget = new PostBudget(1000, 900, clock);
    expect(budget.reserve(100, 1)).toBe(100);
    now = new Date('2027-01-01T00:00:01.000Z');
    // The reservation in flight still holds its share.
    expect(budget.reserve(1000, 1)).toBe(900);
    budget.settle(100, 100);
    expect(budget.read).toBe(100);
  });
});
