using System.Buffers;

namespace LeNet.Web.Api;

/// <summary>Reads a request body into memory, never more than a limit, whether or not the client declares its length.</summary>
internal static class RequestBody
{
    /// <summary>Reads the whole body.</summary>
    /// <param name="request">The request.</param>
    /// <param name="maxBytes">The largest body accepted.</param>
    /// <param name="cancellationToken">Cancelled when the client goes away.</param>
    /// <returns>The body, at least one byte.</returns>
    /// <exception cref="ApiProblem">413 when the declared or actual length is over the limit (reading stops at the limit); 400 when empty or unreadable.</exception>
    public static async Task<byte[]> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength is long declared && declared > maxBytes)
        {
            throw Problems.BodyTooLarge(declared, maxBytes);
        }

        // The declared length (within the limit) sizes the buffer; a chunked body grows it.
        using var body = new MemoryStream(request.ContentLength is long length ? (int)length : 16 * 1024);
        byte[] chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (body.Length + read > maxBytes)
                {
                    throw Problems.BodyTooLarge(null, maxBytes);
                }

                body.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own checks: a body shorter than its Content-Length, a server-wide size limit, a too slow upload.
            throw e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? Problems.BodyTooLarge(null, maxBytes)
                : Problems.UnreadableBody(e.Message);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return body.Length > 0 ? body.ToArray() : throw Problems.EmptyBody();
    }
}
