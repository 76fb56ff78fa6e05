import { describe, expect, it } from 'vitest';
import { FilePath, Type } from '@ferry/sdk';
import { resolvePathOptions } from './paths.js';

const schema = Type.Object({
  directory: FilePath(),
  name: Type.String(),
  tls: Type.Optional(Type.Object({ certFile: FilePath(), keyFile: FilePath() })),
  includes: Type.Optional(Type.Array(FilePath())),
});

describe('path options', () => {
  it('resolves relative paths against the given folder, at any depth, and leaves the rest alone', () => {
    const options = { directory: 'archive', name: 'archive', tls: { certFile: '../certs/cert.pem', keyFile: '/etc/ferry/key.pem' }, includes: ['a.json', '/b.json'] };
    resolvePathOptions(schema, options, '/srv/ferry/conf');
    expect(options).toEqual({
      directory: '/srv/ferry/conf/archive',
      name: 'archive',
      tls: { certFile: '/srv/ferry/certs/cert.pem', keyFile: '/etc/ferry/key.pem' },
      includes: ['/srv/ferry/conf/a.json', '/b.json'],
    });
  });

  it('keeps an unset ${env:…} reference as written (a command that does not need it is running)', () => {
    const options = { directory: '${env:ARCHIVE_DIR}', name: 'x' };
    resolvePathOptions(schema, options, '/srv/ferry');
    expect(options.directory).toBe('${env:ARCHIVE_DIR}');
  });
});
