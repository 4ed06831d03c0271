using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Stagecraft.Storage;

namespace Stagecraft.Local.Storage;

/// <summary>
/// Keys hash onto a fixed set of stripes; each stripe has a kernel lock file (serialising writers of its keys
/// across processes) and a generation high-water mark. Generations are
/// <c>max(now in µs, high-water + 1, current + 1)</c>: Cloud-Storage-like timestamps that still strictly increase
/// per key when the clock stalls or steps back, and across delete and re-create, because the stripe remembers
/// what it handed out after the object is gone.
/// </summary>
/// <remarks>
/// A fixed stripe count keeps the lock files bounded (lock files are never deleted, see
/// <see cref="Stagecraft.Locking.FileLock"/>) instead of one per key ever written. The high-water file is written in
/// place, not fsynced: after a power loss it may lag, and then the clock term (which has moved on) still keeps
/// new generations above anything written before.
/// </remarks>
internal sealed class GenerationStripes(string locksDirectory)
{
    /// <summary>Part of the on-disk layout: every process must agree on it.</summary>
    public const int Count = 256;

    public string LockPath(string key) => Path.Join(locksDirectory, StripeName(key) + ".lock");

    /// <summary>Hands out the next generation for <paramref name="key"/>. Call only while holding <see cref="LockPath"/>.</summary>
    public long Next(string key, long currentGeneration, long nowMicroseconds)
    {
        using var handle = OpenHighWater(key);
        var next = Math.Max(nowMicroseconds, Math.Max(ReadHighWater(handle), currentGeneration) + 1);
        WriteHighWater(handle, next);
        return next;
    }

    /// <summary>Raises the high-water mark to at least <paramref name="generation"/>. Call only while holding <see cref="LockPath"/>.</summary>
    public void Remember(string key, long generation)
    {
        using var handle = OpenHighWater(key);
        if (ReadHighWater(handle) < generation)
        {
            WriteHighWater(handle, generation);
        }
    }

    private Microsoft.Win32.SafeHandles.SafeFileHandle OpenHighWater(string key) =>
        File.OpenHandle(Path.Join(locksDirectory, StripeName(key) + ".generation"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite);

    private static long ReadHighWater(Microsoft.Win32.SafeHandles.SafeFileHandle handle)
    {
        Span<byte> bytes = stackalloc byte[sizeof(long)];
        return RandomAccess.Read(handle, bytes, 0) == sizeof(long) ? BinaryPrimitives.ReadInt64LittleEndian(bytes) : 0;
    }

    private static void WriteHighWater(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long value)
    {
        Span<byte> bytes = stackalloc byte[sizeof(long)];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        RandomAccess.Write(handle, bytes, 0);
    }

    private static string StripeName(string key) =>
        (Crc32C.Compute(Encoding.UTF8.GetBytes(key)) % Count).ToString("x2", CultureInfo.InvariantCulture);
}
