//! Seeding a [`Store`] with the embedded list.

use crate::Store;

impl Store {
    /// Adds every entry of the embedded preload list as a static preload entry, as a
    /// browser ships it: a `max-age=0` header never removes one, and dynamic entries
    /// are still tried first at each name. Returns how many were added (IP-literal
    /// entries of the list are skipped, since IP literals never get HSTS state).
    ///
    /// The store keeps its own copy of the names (a few megabytes for the whole list);
    /// for a read-only answer, [`lookup`](super::lookup) searches the embedded form in
    /// place.
    pub fn seed_preload_list(&mut self) -> usize {
        let mut added = 0;
        for (name, include_subdomains) in super::entries() {
            if self.add_preload(&name, include_subdomains).is_ok() {
                added += 1;
            }
        }
        added
    }
}

#[cfg(test)]
mod tests {
    use crate::{Policy, Recorded, Source, Store};

    #[test]
    fn seeded_entries_survive_max_age_zero() {
        let mut store = Store::new();
        let added = store.seed_preload_list();
        assert_eq!(added, super::super::ENTRIES - 1); // 1.0.0.1 is an IP literal
        assert_eq!(store.preloaded_len(), added);
        let now = 1_800_000_000;
        assert!(store.must_upgrade("login.accounts.google.com", now));
        assert_eq!(
            store
                .record("accounts.google.com", &Policy::removal(), now)
                .unwrap(),
            Recorded::NothingToRemove
        );
        let m = store.lookup("login.accounts.google.com", now).unwrap();
        assert_eq!(
            (m.name, m.source),
            ("accounts.google.com", Source::Preloaded)
        );
        // paypal.com is listed without includeSubDomains.
        assert!(store.must_upgrade("paypal.com", now));
        assert!(!store.must_upgrade("shop.paypal.com", now));
        // A dynamic entry is tried first and can be removed again.
        store
            .record("shop.paypal.com", &Policy::this_host_only(60), now)
            .unwrap();
        assert!(store.must_upgrade("shop.paypal.com", now));
        store
            .record("shop.paypal.com", &Policy::removal(), now)
            .unwrap();
        assert!(!store.must_upgrade("shop.paypal.com", now));
    }
}
