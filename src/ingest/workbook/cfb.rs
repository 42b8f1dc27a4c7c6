//! A strict reader of the Compound File Binary container (the OLE2 "file
//! system" inside .xls files).
//!
//! It exists to protect calamine, whose own CFB reader follows sector chains
//! without cycle checks (a directory chain that loops grows a vector until
//! the process aborts) and lets a few hundred DIFAT entries multiply into
//! gigabytes of FAT. This reader walks exactly the chains calamine walks, in
//! the same way, and refuses anything calamine could get stuck on: cycles,
//! sectors past the end of the file (also partial ones: calamine zero-pads
//! those, which makes their content depend on read order), more FAT
//! sectors than the file has, mini sectors outside the mini stream. What it
//! accepts, calamine reads the same way and finitely.
//!
//! It also gives the file offsets of a stream's bytes, so that `xls.rs` can
//! neutralise records in a copy of the file before calamine parses it.

/// Sector id markers (MS-CFB 2.1).
const DIFSECT: u32 = 0xFFFF_FFFC;
const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
/// calamine stops following the DIFAT chain at or above this value.
const MAXREGSECT_LIMIT: u32 = 0xFFFF_FFFA;
const MINI_SECTOR: usize = 64;
/// Streams shorter than this live in the mini stream (calamine compares the
/// stream size with this constant; it ignores the header field).
const MINI_CUTOFF: usize = 4096;
const DIR_ENTRY: usize = 128;

#[derive(Debug, Clone)]
struct DirEntry {
    /// Decoded like calamine does: UTF-16LE up to the first NUL.
    name: String,
    start: u32,
    len: usize,
}

/// A stream read out of the container: its bytes, and where each piece of
/// it lies in the file.
pub(super) struct Stream {
    pub data: Vec<u8>,
    /// (offset in stream, offset in file, length), ascending.
    pieces: Vec<(usize, usize, usize)>,
}

impl Stream {
    /// File offset of the stream byte at `pos`.
    pub fn file_offset(&self, pos: usize) -> Option<usize> {
        let i = self.pieces.partition_point(|&(start, _, _)| start <= pos);
        let &(start, file, len) = self.pieces.get(i.checked_sub(1)?)?;
        (pos < start + len).then(|| file + (pos - start))
    }
}

pub(super) struct CfbFile {
    sector_size: usize,
    /// Whole sectors present after the header.
    sector_count: usize,
    fat: Vec<u32>,
    mini_fat: Vec<u32>,
    mini_stream: Vec<u8>,
    /// Sectors of the root chain (the mini stream), in order.
    mini_stream_sectors: Vec<u32>,
    entries: Vec<DirEntry>,
    /// Sectors holding the container's own structures (DIFAT, FAT,
    /// directory, mini FAT). A stream we patch must not share any of them,
    /// or the patch could change what calamine sees of the structure.
    structural: Vec<bool>,
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    let mut x = [0u8; 2];
    if let Some(s) = b.get(at..at + 2) {
        x.copy_from_slice(s);
    }
    u16::from_le_bytes(x)
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    let mut x = [0u8; 4];
    if let Some(s) = b.get(at..at + 4) {
        x.copy_from_slice(s);
    }
    u32::from_le_bytes(x)
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    if let Some(s) = b.get(at..at + 8) {
        x.copy_from_slice(s);
    }
    u64::from_le_bytes(x)
}

fn u32s(b: &[u8]) -> impl Iterator<Item = u32> + '_ {
    b.chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
}

impl CfbFile {
    /// Parses and validates the container. The error is a short technical
    /// reason; the caller wraps it in a message for the clerk.
    pub fn open(bytes: &[u8]) -> Result<CfbFile, String> {
        if bytes.len() < 512 {
            return Err("文件头不完整".into());
        }
        let version = u16_at(bytes, 26);
        let sector_size = match u16_at(bytes, 30) {
            9 => 512,
            12 => 4096,
            _ => return Err("扇区大小无效".into()),
        };
        if u16_at(bytes, 32) != 6 {
            return Err("小扇区大小无效".into());
        }
        if bytes.len() < sector_size {
            return Err("文件头不完整".into());
        }
        let dir_start = u32_at(bytes, 48);
        let mini_fat_start = u32_at(bytes, 60);
        let mini_fat_len = u32_at(bytes, 64) as usize;
        let difat_start = u32_at(bytes, 68);

        let sector_count = (bytes.len() - sector_size) / sector_size;
        let mut file = CfbFile {
            sector_size,
            sector_count,
            fat: Vec::new(),
            mini_fat: Vec::new(),
            mini_stream: Vec::new(),
            mini_stream_sectors: Vec::new(),
            entries: Vec::new(),
            structural: vec![false; sector_count],
        };

        // DIFAT: 109 entries in the header, then a chain of DIFAT sectors
        // whose last entry names the next one (as calamine reads it).
        let mut difat: Vec<u32> = u32s(&bytes[76..512]).collect();
        let mut next = difat_start;
        let mut difat_sectors = 0usize;
        while next < MAXREGSECT_LIMIT {
            difat_sectors += 1;
            if difat_sectors > sector_count {
                return Err("DIFAT 链过长".into());
            }
            let sector = file.sector(bytes, next)?;
            file.mark_structural(next)?;
            difat.extend(u32s(sector));
            next = difat.pop().unwrap_or(ENDOFCHAIN);
        }

        // FAT: every DIFAT entry below DIFSECT is a FAT sector. calamine
        // reads each listed one, duplicates included, so the count is what
        // bounds the FAT's size. A file cannot have more FAT sectors than
        // sectors; the 109 header slots are allowed on top, in case a writer
        // leaves unused ones zeroed instead of FREESECT.
        let fat_sectors: Vec<u32> = difat.into_iter().filter(|&id| id < DIFSECT).collect();
        if fat_sectors.len() > sector_count + 109 {
            return Err("FAT 扇区数超过文件扇区数".into());
        }
        let mut fat = Vec::with_capacity(fat_sectors.len() * (sector_size / 4));
        for id in fat_sectors {
            fat.extend(u32s(file.sector(bytes, id)?));
            file.mark_structural(id)?;
        }
        file.fat = fat;

        // Directory: read to ENDOFCHAIN (calamine passes no length).
        let dir_sectors = file.walk(bytes, dir_start, usize::MAX)?;
        let mut dir_bytes = Vec::with_capacity(dir_sectors.len() * sector_size);
        for &id in &dir_sectors {
            dir_bytes.extend_from_slice(file.sector(bytes, id)?);
            file.mark_structural(id)?;
        }
        for chunk in dir_bytes.chunks_exact(DIR_ENTRY) {
            file.entries.push(parse_entry(chunk, sector_size)?);
        }
        let Some(root) = file.entries.first().cloned() else {
            return Err("目录为空".into());
        };
        if version != 3 && root.start == ENDOFCHAIN {
            return Err("目录为空".into());
        }

        // Mini stream and mini FAT, only when the header announces a mini
        // FAT (calamine's rule).
        if mini_fat_len > 0 {
            let sectors = file.walk(bytes, root.start, root.len)?;
            let mut data = Vec::new();
            for &id in &sectors {
                let s = file.sector(bytes, id)?;
                let take = s.len().min(root.len - data.len());
                data.extend_from_slice(&s[..take]);
            }
            file.mini_stream = data;
            file.mini_stream_sectors = sectors;

            let want = mini_fat_len.saturating_mul(sector_size);
            let sectors = file.walk(bytes, mini_fat_start, want)?;
            let mut mini_fat = Vec::new();
            for &id in &sectors {
                let s = file.sector(bytes, id)?;
                let take = s.len().min(want - mini_fat.len() * 4);
                mini_fat.extend(u32s(&s[..take]));
                file.mark_structural(id)?;
            }
            file.mini_fat = mini_fat;
        }
        Ok(file)
    }

    /// Is there a directory entry with this name (ASCII case-insensitive,
    /// like calamine)?
    pub fn has_entry(&self, name: &str) -> bool {
        self.entries
            .iter()
            .any(|d| d.name.eq_ignore_ascii_case(name))
    }

    /// Reads the stream calamine would read for `name`: the first directory
    /// entry with that name; below 4096 bytes from the mini stream.
    pub fn stream(&self, bytes: &[u8], name: &str) -> Result<Option<Stream>, String> {
        let Some(entry) = self
            .entries
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(name))
        else {
            return Ok(None);
        };
        let mut data = Vec::new();
        let mut pieces = Vec::new();
        if entry.len < MINI_CUTOFF {
            // Mini sectors are 64-byte slices of the mini stream; each lies
            // inside one regular sector of the root chain.
            let mut visited = vec![false; self.mini_stream.len() / MINI_SECTOR];
            let mut id = entry.start;
            while id != ENDOFCHAIN {
                let i = id as usize;
                if i >= visited.len() {
                    return Err("小扇区超出小流范围".into());
                }
                if visited[i] {
                    return Err("小扇区链有环".into());
                }
                visited[i] = true;
                let at = i * MINI_SECTOR;
                let take = MINI_SECTOR.min(entry.len - data.len());
                let host = self.mini_stream_sectors[at / self.sector_size];
                if self.is_structural(host) {
                    return Err("流与目录结构重叠".into());
                }
                let file_at = self.sector_offset(host) + at % self.sector_size;
                pieces.push((data.len(), file_at, take));
                data.extend_from_slice(&self.mini_stream[at..at + take]);
                if data.len() >= entry.len {
                    break;
                }
                id = *self.mini_fat.get(i).ok_or("小扇区表越界")?;
            }
        } else {
            for id in self.walk(bytes, entry.start, entry.len)? {
                if self.is_structural(id) {
                    return Err("流与目录结构重叠".into());
                }
                let s = self.sector(bytes, id)?;
                let take = s.len().min(entry.len - data.len());
                pieces.push((data.len(), self.sector_offset(id), take));
                data.extend_from_slice(&s[..take]);
            }
        }
        Ok(Some(Stream { data, pieces }))
    }

    fn sector_offset(&self, id: u32) -> usize {
        self.sector_size + id as usize * self.sector_size
    }

    /// A whole sector inside the file, or an error.
    fn sector<'b>(&self, bytes: &'b [u8], id: u32) -> Result<&'b [u8], String> {
        if (id as usize) >= self.sector_count {
            return Err("扇区超出文件末尾".into());
        }
        let at = self.sector_offset(id);
        bytes
            .get(at..at + self.sector_size)
            .ok_or_else(|| "扇区超出文件末尾".to_string())
    }

    fn mark_structural(&mut self, id: u32) -> Result<(), String> {
        let slot = self
            .structural
            .get_mut(id as usize)
            .ok_or("扇区超出文件末尾")?;
        *slot = true;
        Ok(())
    }

    fn is_structural(&self, id: u32) -> bool {
        self.structural.get(id as usize).copied().unwrap_or(true)
    }

    /// Follows a FAT chain the way calamine does (stop at ENDOFCHAIN or
    /// once `len` bytes are covered), refusing cycles and sectors outside
    /// the file or the FAT.
    fn walk(&self, bytes: &[u8], start: u32, len: usize) -> Result<Vec<u32>, String> {
        let mut visited = vec![false; self.sector_count];
        let mut out = Vec::new();
        let mut covered = 0usize;
        let mut id = start;
        while id != ENDOFCHAIN {
            self.sector(bytes, id)?;
            let slot = &mut visited[id as usize];
            if *slot {
                return Err("扇区链有环".into());
            }
            *slot = true;
            out.push(id);
            covered = covered.saturating_add(self.sector_size);
            if covered >= len {
                break;
            }
            id = *self.fat.get(id as usize).ok_or("扇区表越界")?;
        }
        Ok(out)
    }
}

fn parse_entry(chunk: &[u8], sector_size: usize) -> Result<DirEntry, String> {
    let raw = &chunk[..64];
    // encoding_rs (used by calamine) would honour a byte-order mark here and
    // decode differently; no real file starts a name with one.
    if raw.starts_with(b"\xFF\xFE")
        || raw.starts_with(b"\xFE\xFF")
        || raw.starts_with(b"\xEF\xBB\xBF")
    {
        return Err("目录项名称无效".into());
    }
    let units = raw
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]));
    let name: String = char::decode_utf16(units)
        .map(|c| c.unwrap_or('\u{FFFD}'))
        .take_while(|&c| c != '\0')
        .collect();
    let start = u32_at(chunk, 116);
    let len = if sector_size == 512 {
        u32_at(chunk, 120) as usize
    } else {
        usize::try_from(u64_at(chunk, 120)).map_err(|_| "流长度无效".to_string())?
    };
    Ok(DirEntry { name, start, len })
}

#[cfg(test)]
pub(super) mod tests {
    //! Also a tiny CFB writer for tests (one or more streams, regular
    //! sectors only unless small), so crafted .xls files can be built here.

    use super::*;

    pub(in crate::ingest::workbook) const FREESECT: u32 = 0xFFFF_FFFF;
    const FATSECT: u32 = 0xFFFF_FFFD;

    /// Builds a version-3 compound file holding `streams` (each padded to at
    /// least 4096 bytes by the caller if it should avoid the mini stream).
    /// Streams shorter than 4096 bytes go into the mini stream.
    pub(in crate::ingest::workbook) fn build_cfb(streams: &[(&str, &[u8])]) -> Vec<u8> {
        const SS: usize = 512;
        // Layout: [FAT sectors][directory sectors][mini FAT][mini stream][big streams]
        let mut mini_stream: Vec<u8> = Vec::new();
        let mut mini_fat: Vec<u32> = Vec::new();
        let mut mini_starts = Vec::new();
        for (_, data) in streams {
            if data.len() < MINI_CUTOFF {
                let first = (mini_stream.len() / MINI_SECTOR) as u32;
                let n = data.len().div_ceil(MINI_SECTOR).max(1);
                for k in 0..n {
                    mini_fat.push(if k + 1 == n {
                        ENDOFCHAIN
                    } else {
                        first + k as u32 + 1
                    });
                }
                mini_stream.extend_from_slice(data);
                mini_stream.resize(
                    mini_stream
                        .len()
                        .div_ceil(MINI_SECTOR)
                        .max(first as usize + 1)
                        * MINI_SECTOR,
                    0,
                );
                mini_starts.push(Some(first));
            } else {
                mini_starts.push(None);
            }
        }
        let sectors = |n: usize| n.div_ceil(SS);
        let dir_entries = streams.len() + 1;
        let dir_secs = sectors(dir_entries * DIR_ENTRY);
        let mini_fat_secs = if mini_fat.is_empty() {
            0
        } else {
            sectors(mini_fat.len() * 4)
        };
        let mini_stream_secs = sectors(mini_stream.len());
        let big_secs: usize = streams
            .iter()
            .filter(|(_, d)| d.len() >= MINI_CUTOFF)
            .map(|(_, d)| sectors(d.len()))
            .sum();
        let data_secs = dir_secs + mini_fat_secs + mini_stream_secs + big_secs;
        // FAT sectors needed for data + themselves.
        let mut fat_secs = 1;
        while fat_secs * (SS / 4) < data_secs + fat_secs {
            fat_secs += 1;
        }
        assert!(fat_secs <= 109, "test CFB too large");
        let total = fat_secs + data_secs;
        let mut fat = vec![FREESECT; fat_secs * (SS / 4)];
        for f in fat.iter_mut().take(fat_secs) {
            *f = FATSECT;
        }
        let mut next = fat_secs;
        let mut chain = |fat: &mut Vec<u32>, n: usize| -> u32 {
            let first = next;
            for k in 0..n {
                fat[first + k] = if k + 1 == n {
                    ENDOFCHAIN
                } else {
                    (first + k + 1) as u32
                };
            }
            next += n;
            if n == 0 { ENDOFCHAIN } else { first as u32 }
        };
        let dir_start = chain(&mut fat, dir_secs);
        let mini_fat_start = chain(&mut fat, mini_fat_secs);
        let mini_stream_start = chain(&mut fat, mini_stream_secs);
        let mut big_starts = Vec::new();
        for (_, d) in streams {
            big_starts.push(if d.len() >= MINI_CUTOFF {
                chain(&mut fat, sectors(d.len()))
            } else {
                ENDOFCHAIN
            });
        }
        assert_eq!(next, total);

        let mut out = vec![0u8; SS * (total + 1)];
        out[..8].copy_from_slice(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
        out[24..26].copy_from_slice(&0x3Eu16.to_le_bytes());
        out[26..28].copy_from_slice(&3u16.to_le_bytes());
        out[28..30].copy_from_slice(&0xFFFEu16.to_le_bytes());
        out[30..32].copy_from_slice(&9u16.to_le_bytes());
        out[32..34].copy_from_slice(&6u16.to_le_bytes());
        out[44..48].copy_from_slice(&(fat_secs as u32).to_le_bytes());
        out[48..52].copy_from_slice(&dir_start.to_le_bytes());
        out[56..60].copy_from_slice(&(MINI_CUTOFF as u32).to_le_bytes());
        out[60..64].copy_from_slice(&mini_fat_start.to_le_bytes());
        out[64..68].copy_from_slice(&(mini_fat_secs as u32).to_le_bytes());
        out[68..72].copy_from_slice(&ENDOFCHAIN.to_le_bytes());
        for i in 0..109 {
            let v = if i < fat_secs { i as u32 } else { FREESECT };
            out[76 + 4 * i..80 + 4 * i].copy_from_slice(&v.to_le_bytes());
        }
        let at = |id: usize| SS + id * SS;
        for (i, v) in fat.iter().enumerate() {
            out[at(0) + 4 * i..at(0) + 4 * i + 4].copy_from_slice(&v.to_le_bytes());
        }
        // Directory: root, then one entry per stream (flat, no tree links
        // needed by calamine, but set the root's child for other readers).
        let mut dir = vec![0u8; dir_secs * SS];
        let mut write_entry =
            |idx: usize, name: &str, typ: u8, start: u32, len: u32, child: u32, right: u32| {
                let e = &mut dir[idx * DIR_ENTRY..(idx + 1) * DIR_ENTRY];
                let units: Vec<u16> = name.encode_utf16().collect();
                for (k, u) in units.iter().enumerate() {
                    e[2 * k..2 * k + 2].copy_from_slice(&u.to_le_bytes());
                }
                e[64..66].copy_from_slice(&(((units.len() + 1) * 2) as u16).to_le_bytes());
                e[66] = typ;
                e[67] = 1;
                e[68..72].copy_from_slice(&FREESECT.to_le_bytes());
                e[72..76].copy_from_slice(&right.to_le_bytes());
                e[76..80].copy_from_slice(&child.to_le_bytes());
                e[116..120].copy_from_slice(&start.to_le_bytes());
                e[120..124].copy_from_slice(&len.to_le_bytes());
            };
        let child = if streams.is_empty() { FREESECT } else { 1 };
        write_entry(
            0,
            "Root Entry",
            5,
            mini_stream_start,
            mini_stream.len() as u32,
            child,
            FREESECT,
        );
        for (i, (name, d)) in streams.iter().enumerate() {
            let start = match mini_starts[i] {
                Some(s) => s,
                None => big_starts[i],
            };
            let right = if i + 1 < streams.len() {
                (i + 2) as u32
            } else {
                FREESECT
            };
            write_entry(i + 1, name, 2, start, d.len() as u32, FREESECT, right);
        }
        let d0 = at(dir_start as usize);
        out[d0..d0 + dir.len()].copy_from_slice(&dir);
        if mini_fat_secs > 0 {
            let m0 = at(mini_fat_start as usize);
            for (i, v) in mini_fat.iter().enumerate() {
                out[m0 + 4 * i..m0 + 4 * i + 4].copy_from_slice(&v.to_le_bytes());
            }
            for i in mini_fat.len()..mini_fat_secs * SS / 4 {
                out[m0 + 4 * i..m0 + 4 * i + 4].copy_from_slice(&FREESECT.to_le_bytes());
            }
            let s0 = at(mini_stream_start as usize);
            out[s0..s0 + mini_stream.len()].copy_from_slice(&mini_stream);
        }
        for (i, (_, d)) in streams.iter().enumerate() {
            if d.len() >= MINI_CUTOFF {
                let s0 = at(big_starts[i] as usize);
                out[s0..s0 + d.len()].copy_from_slice(d);
            }
        }
        out
    }

    #[test]
    fn round_trip_big_and_small_streams() {
        let big: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
        let small = b"hello mini stream".to_vec();
        let bytes = build_cfb(&[("Workbook", &big), ("Small", &small)]);
        let cfb = CfbFile::open(&bytes).expect("valid");
        assert!(cfb.has_entry("workbook"));
        let s = cfb.stream(&bytes, "Workbook").unwrap().unwrap();
        assert_eq!(s.data, big);
        for pos in [0, 511, 512, 4999] {
            assert_eq!(bytes[s.file_offset(pos).unwrap()], big[pos]);
        }
        let m = cfb.stream(&bytes, "Small").unwrap().unwrap();
        assert_eq!(m.data, small);
        assert_eq!(bytes[m.file_offset(6).unwrap()], small[6]);
        assert!(cfb.stream(&bytes, "Nope").unwrap().is_none());
    }

    #[test]
    fn directory_cycle_is_refused() {
        let big = vec![0u8; 5000];
        let mut bytes = build_cfb(&[("Workbook", &big)]);
        // Point the directory sector's FAT entry at itself.
        let dir_start = u32_at(&bytes, 48) as usize;
        let fat_at = 512 + 4 * dir_start;
        bytes[fat_at..fat_at + 4].copy_from_slice(&(dir_start as u32).to_le_bytes());
        let err = CfbFile::open(&bytes).err().unwrap();
        assert!(err.contains('环'), "{err}");
    }

    #[test]
    fn stream_cycle_and_out_of_file_sectors_are_refused() {
        let big = vec![7u8; 5000];
        let bytes = build_cfb(&[("Workbook", &big)]);
        let cfb = CfbFile::open(&bytes).unwrap();
        let start = cfb.entries[1].start as usize;
        // Cycle: second sector of the stream points back to the first.
        let mut looped = bytes.clone();
        let at = 512 + 4 * (start + 1);
        looped[at..at + 4].copy_from_slice(&(start as u32).to_le_bytes());
        let cfb = CfbFile::open(&looped).unwrap();
        assert!(cfb.stream(&looped, "Workbook").is_err());
        // Truncated file: the stream's last sectors are gone.
        let cut = &bytes[..bytes.len() - 1024];
        if let Ok(cfb) = CfbFile::open(cut) {
            assert!(cfb.stream(cut, "Workbook").is_err());
        }
    }

    #[test]
    fn too_many_fat_sectors_are_refused() {
        let big = vec![0u8; 5000];
        let mut bytes = build_cfb(&[("Workbook", &big)]);
        // Zeroed unused header slots name FAT sector 0 again: tolerated.
        for i in 1..109 {
            bytes[76 + 4 * i..80 + 4 * i].copy_from_slice(&0u32.to_le_bytes());
        }
        let cfb = CfbFile::open(&bytes).unwrap();
        assert_eq!(cfb.stream(&bytes, "Workbook").unwrap().unwrap().data, big);
        // A DIFAT sector naming sector 0 a hundred more times is not: the
        // FAT would grow past the file's size (calamine would read it all).
        let n = bytes.len() / 512 - 1;
        bytes.extend(std::iter::repeat_n(0u8, 512));
        bytes[68..72].copy_from_slice(&(n as u32).to_le_bytes());
        let at = 512 + n * 512;
        bytes[at + 508..at + 512].copy_from_slice(&ENDOFCHAIN.to_le_bytes());
        assert!(CfbFile::open(&bytes).err().unwrap().contains("FAT"));
    }

    #[test]
    fn garbage_never_panics() {
        let mut seed = 0x1234_5678u32;
        let big = vec![3u8; 5000];
        let good = build_cfb(&[("Workbook", &big), ("x", b"abc")]);
        for _ in 0..2000 {
            let mut b = good.clone();
            for _ in 0..8 {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                let pos = (seed as usize >> 3) % b.len().min(2048);
                b[pos] = (seed >> 24) as u8;
            }
            if let Ok(cfb) = CfbFile::open(&b) {
                let _ = cfb.stream(&b, "Workbook");
                let _ = cfb.stream(&b, "x");
            }
        }
    }
}
