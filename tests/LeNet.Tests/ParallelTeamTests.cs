namespace LeNet.Tests;

[Collection(SerialTestGroup.Name)]
public class ParallelTeamTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    public void Run_ManyCalls_RunsEveryChunkExactlyOnceWithValidWorkers(int threads)
    {
        int previous = Parallelism.MaxDegreeOfParallelism;
        try
        {
            Parallelism.MaxDegreeOfParallelism = threads;
            var team = new ParallelTeam();
            foreach (int chunks in new[] { 0, 1, 2, 3, 17, 100 })
            {
                for (int call = 0; call < 20; call++)
                {
                    var work = new CountingWork(chunks);

                    team.Run(chunks, work);

                    work.Counts.Should().Equal(Enumerable.Repeat(1, chunks), because: $"{chunks} chunks, call {call}");
                    work.Workers.Where(w => w < 0 || w >= threads).Should().BeEmpty();

                    // The caller claims from the front, the helpers from the back: the caller's chunks are a prefix.
                    int callers = work.Workers.Count(w => w == 0);
                    work.Workers.Take(callers).Should().Equal(Enumerable.Repeat(0, callers), because: $"{chunks} chunks, call {call}: {string.Join(",", work.Workers)}");
                }
            }
        }
        finally
        {
            Parallelism.MaxDegreeOfParallelism = previous;
        }
    }

    [Fact]
    public void Run_ChunkThrows_RethrowsOnTheCallerAndStaysUsable()
    {
        int previous = Parallelism.MaxDegreeOfParallelism;
        try
        {
            Parallelism.MaxDegreeOfParallelism = 2;
            var team = new ParallelTeam();

            Action act = () => team.Run(8, new ThrowingWork());

            act.Should().Throw<InvalidOperationException>().WithMessage("chunk 5");
            var work = new CountingWork(8);
            team.Run(8, work);
            work.Counts.Should().Equal(Enumerable.Repeat(1, 8));
        }
        finally
        {
            Parallelism.MaxDegreeOfParallelism = previous;
        }
    }

    private sealed class CountingWork(int chunks) : IChunkWork
    {
        public int[] Counts { get; } = new int[chunks];

        public int[] Workers { get; } = Enumerable.Repeat(-1, chunks).ToArray();

        public void Run(int chunk, int worker)
        {
            Interlocked.Increment(ref Counts[chunk]);
            Workers[chunk] = worker;
            Thread.SpinWait(2000);
        }
    }

    private sealed class ThrowingWork : IChunkWork
    {
        public void Run(int chunk, int worker)
        {
            if (chunk == 5)
            {
                throw new InvalidOperationException("chunk 5");
            }
        }
    }
}
