// @peculiar/x509 loaded after the Reflect polyfill its 2.x needs (its tsyringe container throws without it);
// every certs module imports the library from here so the order holds wherever certs is entered.
import 'reflect-metadata';
export * as x509 from '@peculiar/x509';
