package bot

import (
	"container/list"
	"sync"
	"time"
)

// DeliverySet remembers accepted delivery ids, bounded in count and age
// (least recently added first out), so that a redelivery of an accepted
// delivery is not processed twice while memory stays bounded.
type DeliverySet struct {
	max int
	ttl time.Duration
	now func() time.Time

	mu    sync.Mutex
	order *list.List // of deliveryEntry, oldest first
	ids   map[string]*list.Element
}

type deliveryEntry struct {
	id string
	at time.Time
}

// NewDeliverySet returns a set holding at most max ids for at most ttl
// (defaults: 10,000 ids, one hour).
func NewDeliverySet(max int, ttl time.Duration) *DeliverySet {
	if max <= 0 {
		max = 10_000
	}
	if ttl <= 0 {
		ttl = time.Hour
	}
	return &DeliverySet{max: max, ttl: ttl, now: time.Now, order: list.New(), ids: map[string]*list.Element{}}
}

// Reserve adds id and reports true, or reports false when id is already
// there. Reserving before scheduling makes concurrent redeliveries race-free.
func (s *DeliverySet) Reserve(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.expire(now)
	if _, ok := s.ids[id]; ok {
		return false
	}
	s.ids[id] = s.order.PushBack(deliveryEntry{id: id, at: now})
	for s.order.Len() > s.max {
		s.remove(s.order.Front())
	}
	return true
}

// Release forgets id, for a delivery that was reserved but not accepted.
func (s *DeliverySet) Release(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.ids[id]; ok {
		s.remove(e)
	}
}

// Len is the number of ids held.
func (s *DeliverySet) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.order.Len()
}

func (s *DeliverySet) expire(now time.Time) {
	for e := s.order.Front(); e != nil; e = s.order.Front() {
		if now.Sub(e.Value.(deliveryEntry).at) < s.ttl {
			return
		}
		s.remove(e)
	}
}

func (s *DeliverySet) remove(e *list.Element) {
	delete(s.ids, e.Value.(deliveryEntry).id)
	s.order.Remove(e)
}
