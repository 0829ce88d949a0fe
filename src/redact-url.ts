/**
 * A connection string fit for logs and error messages: its user name kept, its password replaced by
 * `***` (`mongodb://admin:***@db:27017/…`).
 */
export const withoutPassword = (url: string): string =>
  url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/i, '$1:***@');
