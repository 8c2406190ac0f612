using System.Text.Json;
using LeNet.Training;

namespace LeNet.Cli.Output;

/// <summary>Writes <c>metrics.json</c>: the run's settings and one record per epoch.</summary>
internal static class MetricsFile
{
    public static void Write(string path, TrainingRun run, IReadOnlyList<EpochMetrics> epochs)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("recipe", run.Recipe.Name);
            json.WriteString("model", run.Recipe.ModelName);
            json.WriteNumber("epochsRequested", run.Epochs);
            json.WriteNumber("epochsCompleted", epochs.Count);
            json.WriteBoolean("completed", epochs.Count == run.Epochs);
            json.WriteNumber("batchSize", run.BatchSize);
            json.WriteNumber("learningRate", run.LearningRate);
            json.WriteNumber("seed", run.Seed);
            json.WriteNumber("threads", run.Threads);
            json.WriteString("dataset", run.Dataset);
            json.WriteString("data", run.DataDirectory);
            if (epochs.Count > 0 && epochs[^1].TestAccuracy is double accuracy)
            {
                json.WriteNumber("testAccuracy", accuracy);
            }

            json.WriteStartArray("epochs");
            foreach (EpochMetrics e in epochs)
            {
                json.WriteStartObject();
                json.WriteNumber("epoch", e.Epoch);
                json.WriteNumber("trainLoss", e.TrainLoss);
                json.WriteNumber("trainAccuracy", e.TrainAccuracy);
                if (e.TestLoss is double testLoss && e.TestAccuracy is double testAccuracy)
                {
                    json.WriteNumber("testLoss", testLoss);
                    json.WriteNumber("testAccuracy", testAccuracy);
                }

                json.WriteNumber("seconds", e.Seconds);
                json.WriteNumber("imagesPerSecond", e.ImagesPerSecond);
                json.WriteNumber("learningRate", e.LearningRate);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        LeNet.IO.AtomicFile.Write(path, stream => stream.Write(buffer.ToArray()));
    }
}
