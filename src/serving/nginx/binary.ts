/**
 * Where nginx and its njs module are on this machine. Debian installs nginx in /usr/sbin, outside
 * a normal user's PATH, and the njs module (package libnginx-mod-http-js) in /usr/lib/nginx/modules.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * The nginx binary: `choice` when it is a path (checked executable: throws naming it), else
 * (`auto`) the first `nginx` on PATH, in /usr/sbin or /usr/local/sbin; null when there is none.
 */
export function findNginx(choice: string, path = process.env.PATH ?? ''): string | null {
  if (choice !== 'auto') {
    accessSync(choice, constants.X_OK); // throws ENOENT / EACCES naming the path
    return choice;
  }
  return firstAccessible([...path.split(delimiter).filter((d) => d !== ''), '/usr/sbin', '/usr/local/sbin'].map((d) => join(d, 'nginx')), constants.X_OK);
}

/** Directories nginx packages put dynamic modules in (Debian; nginx.org; a source build). */
export const NGINX_MODULE_DIRS = ['/usr/lib/nginx/modules', '/usr/lib64/nginx/modules', '/etc/nginx/modules', '/usr/local/nginx/modules'];

/** The njs HTTP module (`ngx_http_js_module.so`): `choice` when a path, else found in {@link NGINX_MODULE_DIRS}; null when absent. */
export function findNjsModule(choice = 'auto', dirs = NGINX_MODULE_DIRS): string | null {
  if (choice !== 'auto') {
    accessSync(choice, constants.R_OK);
    return choice;
  }
  return firstAccessible(dirs.map((d) => join(d, 'ngx_http_js_module.so')), constants.R_OK);
}

function firstAccessible(candidates: string[], mode: number): string | null {
  for (const candidate of candidates) {
    try {
      accessSync(candidate, mode);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}
