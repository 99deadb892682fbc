/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A single PAM thread with a FIFO of questions; each asker waits on its own job. */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "bb-macro.h"
#include "pam-worker.h"

typedef struct PamJob {
	const struct bb_pam_request *req;
	char *reason;
	size_t size;
	int result;
	bool done;
	struct PamJob *next;
} PamJob;

struct BbPamWorker {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t queued;   /* a job arrived, or stop */
	pthread_cond_t answered; /* some job is done */
	PamJob *head, *tail;
	bool stopping;
};

static void *pam_thread(void *arg)
{
	BbPamWorker *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		PamJob *job;

		while (!w->head && !w->stopping)
			pthread_cond_wait(&w->queued, &w->lock);
		if (!w->head)
			break;
		job = w->head;
		w->head = job->next;
		if (!w->head)
			w->tail = NULL;
		pthread_mutex_unlock(&w->lock);

		job->result = bb_pam_authorize(job->req, job->reason, job->size);

		pthread_mutex_lock(&w->lock);
		job->done = true;
		pthread_cond_broadcast(&w->answered);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int bb_pam_worker_start(BbPamWorker **ret)
{
	BbPamWorker *w = calloc(1, sizeof(*w));
	int r;

	if (!w)
		return -ENOMEM;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->queued, NULL);
	pthread_cond_init(&w->answered, NULL);
	r = pthread_create(&w->thread, NULL, pam_thread, w);
	if (r != 0) {
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->queued);
		pthread_cond_destroy(&w->answered);
		free(w);
		return -r;
	}
	*ret = w;
	return 0;
}

int bb_pam_worker_ask(BbPamWorker *w, const struct bb_pam_request *req, char *reason, size_t size)
{
	PamJob job = {.req = req, .reason = reason, .size = size};

	pthread_mutex_lock(&w->lock);
	if (w->stopping) {
		pthread_mutex_unlock(&w->lock);
		return -ESHUTDOWN;
	}
	if (w->tail)
		w->tail->next = &job;
	else
		w->head = &job;
	w->tail = &job;
	pthread_cond_signal(&w->queued);
	while (!job.done)
		pthread_cond_wait(&w->answered, &w->lock);
	pthread_mutex_unlock(&w->lock);
	return job.result;
}

void bb_pam_worker_stop(BbPamWorker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_signal(&w->queued);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->queued);
	pthread_cond_destroy(&w->answered);
	free(w);
}
